//! SVG: recognising the document, its intrinsic size, and the structural limits checked before
//! anything is rendered.
//!
//! The probe parses the whole XML (an SVG has no header: the size is in the root element, and
//! the limits are about the document). Checks, all before usvg sees the document:
//!
//! * UTF-8 only (a UTF-16 or other encoding is corrupt for this reader);
//! * entities: a DTD may declare internal entities whose values hold neither markup nor
//!   references to other entities, and the document's `&` count times the longest value may
//!   not exceed [`Limits::max_input_bytes`]; parameter entities and external entities are
//!   refused. This makes nested-entity ("billion laughs") and wide-entity expansion fail
//!   before any expansion;
//! * [`Limits::max_svg_nodes`]: XML nodes, parsed (roxmltree's `nodes_limit`) and then again
//!   with every `use` reference expanded (a `use` of a group of 1000 nodes counts 1000 more);
//! * [`Limits::max_input_bytes`]: the `<image>` references with `use` expanded (usvg decodes
//!   a `data:` URL again for every instance, so a large one used many times would multiply);
//! * [`Limits::max_svg_depth`]: element nesting, `use` references included, and never more
//!   than [`MAX_DEPTH`] whatever the limits say (usvg converts recursively).

use std::collections::HashMap;

use crate::format::ImageFormat;
use crate::limits::{LimitKind, Limits};

use super::super::error::CodecError;
use super::super::info::{ColorModel, SourceInfo};
use super::{still, Header};

/// The nesting depth above which no SVG is accepted, whatever [`Limits::max_svg_depth`] says:
/// usvg converts and resvg renders the tree recursively, so this bounds their stack use.
pub(crate) const MAX_DEPTH: u32 = 1024;

/// How far into the file the root `<svg` element must start.
const SNIFF_WINDOW: usize = 4096;

/// Longest value of one internal entity, in bytes.
const MAX_ENTITY_VALUE: usize = 4096;

const FORMAT: ImageFormat = ImageFormat::Svg;

/// Whether `bytes` start like an SVG document: an optional UTF-8 byte-order mark and
/// whitespace, then any XML declaration, processing instructions, comments and doctype, then
/// `<svg`, all within the first 4 KiB.
pub(crate) fn sniff(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_WINDOW)];
    let mut rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        rest = trim_start(rest);
        if let Some(r) = rest.strip_prefix(b"<?") {
            match find(r, b"?>") {
                Some(end) => rest = &r[end + 2..],
                None => return false,
            }
        } else if let Some(r) = rest.strip_prefix(b"<!--") {
            match find(r, b"-->") {
                Some(end) => rest = &r[end + 3..],
                None => return false,
            }
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
            match doctype_end(&rest[9..]) {
                Some(end) => rest = &rest[9 + end..],
                None => return false,
            }
        } else {
            return rest.starts_with(b"<svg")
                && matches!(
                    rest.get(4),
                    Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
                );
        }
    }
}

fn trim_start(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r' | b'\n', r @ ..] = s {
        s = r;
    }
    s
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The offset just past the `>` that closes a doctype (after its internal subset, if any).
fn doctype_end(s: &[u8]) -> Option<usize> {
    let mut in_subset = false;
    let mut quote = None;
    for (i, &b) in s.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => in_subset = true,
            (None, b']') => in_subset = false,
            (None, b'>') if !in_subset => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The document as text, without a byte-order mark.
fn text(bytes: &[u8]) -> Result<&str, CodecError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        CodecError::corrupt(
            FORMAT,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Parses and checks the document (see the module docs); the decoder renders from it.
pub(crate) fn parse<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<roxmltree::Document<'a>, CodecError> {
    let text = text(bytes)?;
    check_entities(text, limits)?;
    let nodes_limit = u32::try_from(limits.max_svg_nodes).unwrap_or(u32::MAX);
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => CodecError::LimitExceeded {
            format: FORMAT,
            limit: LimitKind::MaxSvgNodes,
            value: u64::from(nodes_limit).saturating_add(1),
            max: limits.max_svg_nodes,
        },
        other => CodecError::corrupt(FORMAT, format!("XML: {other}")),
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err(CodecError::corrupt(
            FORMAT,
            format!(
                "the root element is <{}>, not <svg>",
                root.tag_name().name()
            ),
        ));
    }
    check_structure(&doc, limits)?;
    Ok(doc)
}

/// Refuses entity declarations whose expansion could grow the document beyond the input
/// limit (see the module docs). roxmltree has a loop detector of its own; this check makes
/// the outcome a typed error from the declarations alone.
fn check_entities(text: &str, limits: &Limits) -> Result<(), CodecError> {
    let mut longest = 0usize;
    let mut rest = text;
    while let Some(at) = rest.find("<!ENTITY") {
        let decl = rest[at + 8..].trim_start();
        if decl.starts_with('%') {
            return Err(CodecError::unsupported(FORMAT, "parameter entities"));
        }
        let name_len = decl.find(|c: char| c.is_whitespace()).unwrap_or(decl.len());
        let name = &decl[..name_len];
        let value = decl[name_len..].trim_start();
        let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return Err(CodecError::unsupported(
                FORMAT,
                format!("external entity {name:?} (no file or URL is ever loaded)"),
            ));
        };
        let raw = &value[1..];
        let end = raw.find(quote).ok_or_else(|| {
            CodecError::corrupt(FORMAT, format!("entity {name:?}: unterminated value"))
        })?;
        let body = &raw[..end];
        if body.contains('&') || body.contains('<') {
            return Err(CodecError::unsupported(
                FORMAT,
                format!("entity {name:?} holds markup or refers to other entities"),
            ));
        }
        if body.len() > MAX_ENTITY_VALUE {
            return Err(CodecError::unsupported(
                FORMAT,
                format!(
                    "entity {name:?} value of {} bytes (at most {MAX_ENTITY_VALUE})",
                    body.len()
                ),
            ));
        }
        longest = longest.max(body.len());
        rest = &raw[end + 1..];
    }
    if longest > 0 {
        let refs = text.bytes().filter(|&b| b == b'&').count() as u64;
        let expanded = refs.saturating_mul(longest as u64);
        if expanded > limits.max_input_bytes {
            return Err(CodecError::LimitExceeded {
                format: FORMAT,
                limit: LimitKind::MaxInputBytes,
                value: expanded,
                max: limits.max_input_bytes,
            });
        }
    }
    Ok(())
}

/// The `#id` an element's `href` (or `xlink:href`) names, for `use` expansion.
fn local_href<'a>(node: roxmltree::Node<'a, '_>) -> Option<&'a str> {
    node.attributes()
        .find(|a| a.name() == "href")
        .and_then(|a| a.value().strip_prefix('#'))
}

/// Depth and `use`-expanded node count (see the module docs).
fn check_structure(doc: &roxmltree::Document<'_>, limits: &Limits) -> Result<(), CodecError> {
    let max_depth = limits.max_svg_depth.min(MAX_DEPTH);
    let depth_error = |value: u64| CodecError::LimitExceeded {
        format: FORMAT,
        limit: LimitKind::MaxSvgDepth,
        value,
        max: u64::from(max_depth),
    };
    // Plain nesting first, without recursion, so the expansion below recurses at most
    // `max_depth` deep. `descendants` is in document order: a parent comes before its
    // children.
    let mut depths: HashMap<roxmltree::NodeId, u32> = HashMap::new();
    for node in doc.root().descendants().filter(|n| n.is_element()) {
        let parent = node
            .parent()
            .and_then(|p| depths.get(&p.id()).copied())
            .unwrap_or(0);
        let depth = parent + 1;
        if depth > max_depth {
            return Err(depth_error(u64::from(depth)));
        }
        depths.insert(node.id(), depth);
    }
    let ids: HashMap<&str, roxmltree::Node<'_, '_>> = doc
        .descendants()
        .filter_map(|n| n.attribute("id").map(|id| (id, n)))
        .collect();
    let mut walk = Expansion {
        ids,
        memo: HashMap::new(),
        max_nodes: limits.max_svg_nodes,
        max_depth,
        max_bytes: limits.max_input_bytes,
    };
    let extent = walk.size(doc.root_element(), 1)?;
    if extent.depth > max_depth {
        return Err(depth_error(u64::from(extent.depth)));
    }
    walk.check(extent)
}

/// What a subtree becomes once its `use` references are expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Extent {
    /// XML nodes.
    nodes: u64,
    /// Element nesting below and including the subtree's root.
    depth: u32,
    /// Bytes of `<image>` references: usvg decodes a `data:` URL again for every instance.
    bytes: u64,
}

/// Memoised [`Extent`] of each subtree.
struct Expansion<'a, 'input> {
    ids: HashMap<&'a str, roxmltree::Node<'a, 'input>>,
    /// `None` while a subtree is being measured: a reference back to it is a cycle, which usvg
    /// drops, so it counts nothing.
    memo: HashMap<roxmltree::NodeId, Option<Extent>>,
    max_nodes: u64,
    max_depth: u32,
    max_bytes: u64,
}

impl<'a, 'input> Expansion<'a, 'input> {
    /// The node and image-byte limits.
    fn check(&self, extent: Extent) -> Result<(), CodecError> {
        let over = |limit, value, max| {
            Err(CodecError::LimitExceeded {
                format: FORMAT,
                limit,
                value,
                max,
            })
        };
        if extent.nodes > self.max_nodes {
            return over(LimitKind::MaxSvgNodes, extent.nodes, self.max_nodes);
        }
        if extent.bytes > self.max_bytes {
            return over(LimitKind::MaxInputBytes, extent.bytes, self.max_bytes);
        }
        Ok(())
    }

    /// The extent of `node`'s subtree, reached at nesting `level`.
    fn size(
        &mut self,
        node: roxmltree::Node<'a, 'input>,
        level: u32,
    ) -> Result<Extent, CodecError> {
        if level > self.max_depth {
            return Err(CodecError::LimitExceeded {
                format: FORMAT,
                limit: LimitKind::MaxSvgDepth,
                value: u64::from(level),
                max: u64::from(self.max_depth),
            });
        }
        match self.memo.get(&node.id()) {
            Some(Some(known)) => return Ok(*known),
            Some(None) => return Ok(Extent::default()),
            None => {}
        }
        self.memo.insert(node.id(), None);
        let name = node.tag_name().name();
        let mut total = Extent {
            nodes: 1,
            depth: 0,
            bytes: if name == "image" {
                node.attributes()
                    .filter(|a| a.name() == "href")
                    .map(|a| a.value().len() as u64)
                    .sum()
            } else {
                0
            },
        };
        let target = if name == "use" {
            local_href(node).and_then(|id| self.ids.get(id).copied())
        } else {
            None
        };
        for child in node.children().chain(target) {
            let e = if child.is_element() {
                self.size(child, level + 1)?
            } else {
                Extent {
                    nodes: 1,
                    ..Extent::default()
                }
            };
            total.nodes = total.nodes.saturating_add(e.nodes);
            total.depth = total.depth.max(e.depth);
            total.bytes = total.bytes.saturating_add(e.bytes);
            self.check(total)?;
        }
        total.depth += 1;
        self.memo.insert(node.id(), Some(total));
        Ok(total)
    }
}

/// A length of the root element: user units (px) or a percentage.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Length {
    Px(f64),
    Percent(f64),
}

/// Parses `width`/`height` as usvg does at 96 dpi and its default 12-px font; anything
/// unparsable counts as absent, as in usvg.
fn length(s: &str) -> Option<Length> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(s.len());
    // An exponent marker belongs to the unit when no digit follows it (`1em`, `2ex`).
    let split = match s[..split].rfind(['e', 'E']) {
        Some(e) if e + 1 == split || !s[e + 1..split].chars().any(|c| c.is_ascii_digit()) => e,
        _ => split,
    };
    let n: f64 = s[..split].parse().ok()?;
    let unit = s[split..].trim();
    let px = match unit {
        "" | "px" => 1.0,
        "in" => 96.0,
        "cm" => 96.0 / 2.54,
        "mm" => 96.0 / 25.4,
        "pt" => 96.0 / 72.0,
        "pc" => 16.0,
        "em" => 12.0,
        "ex" => 6.0,
        "%" => return Some(Length::Percent(n)),
        _ => return None,
    };
    Some(Length::Px(n * px))
}

/// `viewBox` as width and height (its origin does not change the size).
fn view_box(s: &str) -> Option<(f64, f64)> {
    let v: Vec<f64> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match v[..] {
        [_, _, w, h] if w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite() => Some((w, h)),
        _ => None,
    }
}

/// The intrinsic size in CSS pixels, as usvg resolves it: absolute `width`/`height`; a
/// percentage of the `viewBox` side, or the `viewBox` side when absent; one side given and a
/// `viewBox` → the other from its aspect ratio. Without a `viewBox`, a missing or relative
/// side is an error (the size is unknown: usvg would assume 100 px, browsers 300×150).
fn intrinsic_size(root: roxmltree::Node<'_, '_>) -> Result<(f64, f64), CodecError> {
    let w = root.attribute("width").and_then(length);
    let h = root.attribute("height").and_then(length);
    let vb = root.attribute("viewBox").and_then(view_box);
    let size =
        match vb {
            Some((vw, vh)) => {
                let side = |l: Option<Length>, v: f64| match l {
                    Some(Length::Px(px)) => px,
                    Some(Length::Percent(p)) => v * p / 100.0,
                    None => v,
                };
                let (sw, sh) = (side(w, vw), side(h, vh));
                match (w, h) {
                    (Some(_), None) => (sw, vh * sw / vw),
                    (None, Some(_)) => (vw * sh / vh, sh),
                    _ => (sw, sh),
                }
            }
            None => match (w, h) {
                (Some(Length::Px(w)), Some(Length::Px(h))) => (w, h),
                _ => return Err(CodecError::corrupt(
                    FORMAT,
                    "no viewBox and no absolute width and height: the intrinsic size is unknown",
                )),
            },
        };
    if !(size.0 > 0.0 && size.1 > 0.0 && size.0.is_finite() && size.1.is_finite()) {
        return Err(CodecError::corrupt(
            FORMAT,
            format!("intrinsic size {}x{} is not positive", size.0, size.1),
        ));
    }
    Ok(size)
}

/// A side in whole pixels: rounded up, as resvg sizes its canvas.
fn pixels(v: f64, limit: LimitKind, max: u32) -> Result<u32, CodecError> {
    let ceil = (v - 1e-6).ceil().max(1.0);
    if ceil > f64::from(max) {
        return Err(CodecError::LimitExceeded {
            format: FORMAT,
            limit,
            value: if ceil >= u64::MAX as f64 {
                u64::MAX
            } else {
                ceil as u64
            },
            max: u64::from(max),
        });
    }
    Ok(ceil as u32)
}

/// The size of a parsed document, in whole pixels.
pub(crate) fn size(
    doc: &roxmltree::Document<'_>,
    limits: &Limits,
) -> Result<(u32, u32), CodecError> {
    let (w, h) = intrinsic_size(doc.root_element())?;
    Ok((
        pixels(w, LimitKind::MaxSourceWidth, limits.max_source_width)?,
        pixels(h, LimitKind::MaxSourceHeight, limits.max_source_height)?,
    ))
}

pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Header, CodecError> {
    let doc = parse(bytes, limits)?;
    let (width, height) = size(&doc, limits)?;
    let mut info = SourceInfo::new(FORMAT, width, height);
    // Whatever the drawing covers, the canvas around it is transparent.
    info.has_alpha = true;
    info.color_model = ColorModel::Rgba;
    Ok(Header {
        frame_pixels: still(&info),
        info,
        adobe_transform: None,
        scan_offset: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_prologue_then_svg() {
        for yes in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"\xEF\xBB\xBF  \n<?xml version='1.0'?>\n<!-- by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\" [ <!ENTITY a \"b>\"> ]>\n<svg>",
            b"<svg>",
        ] {
            assert!(sniff(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"<svgfoo>"[..],
            b"<html><svg>",
            b"<?xml version='1.0'?><root/>",
            b"<!-- unterminated <svg>",
            b"",
        ] {
            assert!(!sniff(no), "{}", String::from_utf8_lossy(no));
        }
        let mut late = vec![b' '; SNIFF_WINDOW];
        late.extend_from_slice(b"<svg>");
        assert!(!sniff(&late));
    }

    fn size_of(svg: &str) -> Result<(u32, u32), CodecError> {
        let doc = parse(svg.as_bytes(), &Limits::default())?;
        size(&doc, &Limits::default())
    }

    #[test]
    fn intrinsic_sizes() {
        let cases = [
            (r#"<svg width="120" height="80"/>"#, (120, 80)),
            (r#"<svg width="120px" height="80.2px"/>"#, (120, 81)),
            (r#"<svg width="1in" height="2.54cm"/>"#, (96, 96)),
            (r#"<svg width="72pt" height="25.4mm"/>"#, (96, 96)),
            (r#"<svg width="1pc" height="2em"/>"#, (16, 24)),
            (r#"<svg viewBox="0 0 300 150"/>"#, (300, 150)),
            (
                r#"<svg width="100%" height="50%" viewBox="-5,-5,300,150"/>"#,
                (300, 75),
            ),
            (r#"<svg width="600" viewBox="0 0 300 150"/>"#, (600, 300)),
            (r#"<svg height="30" viewBox="0 0 300 150"/>"#, (60, 30)),
            (
                r#"<svg width="10" height="20" viewBox="0 0 300 150"/>"#,
                (10, 20),
            ),
            (r#"<svg width="1e2" height="5E1"/>"#, (100, 50)),
            // An empty viewBox is ignored, as usvg ignores it.
            (
                r#"<svg width="10" height="10" viewBox="0 0 0 10"/>"#,
                (10, 10),
            ),
        ];
        for (svg, want) in cases {
            assert_eq!(size_of(svg).ok(), Some(want), "{svg}");
        }
        for svg in [
            r#"<svg/>"#,
            r#"<svg width="100%" height="100"/>"#,
            r#"<svg width="0" height="10"/>"#,
            r#"<svg width="10" height="0" viewBox="0 0 0 10" />"#,
        ] {
            assert!(
                matches!(size_of(svg), Err(CodecError::Corrupt { .. })),
                "{svg}: {:?}",
                size_of(svg)
            );
        }
        assert!(matches!(
            size_of(r#"<svg width="70000" height="10"/>"#),
            Err(CodecError::LimitExceeded {
                limit: LimitKind::MaxSourceWidth,
                value: 70000,
                ..
            })
        ));
    }

    #[test]
    fn use_expansion_counts() {
        let mut limits = Limits {
            max_svg_nodes: 60,
            ..Limits::default()
        };
        // 10 rects, used 5 times: 1 + (1 + 10 × 1) + 5 × (1 + 11) > 60 with the text nodes.
        let g: String = (0..10).map(|_| "<rect/>").collect();
        let uses: String = (0..5).map(|_| r##"<use href="#g"/>"##).collect();
        let svg = format!(r#"<svg viewBox="0 0 1 1"><g id="g">{g}</g>{uses}</svg>"#);
        assert!(matches!(
            parse(svg.as_bytes(), &limits),
            Err(CodecError::LimitExceeded {
                limit: LimitKind::MaxSvgNodes,
                max: 60,
                ..
            })
        ));
        limits.max_svg_nodes = 80;
        assert!(parse(svg.as_bytes(), &limits).is_ok());
        // A self-reference counts nothing (usvg drops it) rather than looping.
        let cycle = r##"<svg viewBox="0 0 1 1"><g id="a"><use href="#a"/></g></svg>"##;
        assert!(parse(cycle.as_bytes(), &Limits::default()).is_ok());
    }
}
