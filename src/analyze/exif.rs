//! The `exif` and `location` metadata, read with `kamadak-exif`.

use std::io::Cursor;

use exif::{Context, Exif, Field, In, Reader, Tag, Value};
use serde_json::{json, Number};

use super::document::{ExifMetadata, GeoPoint};

/// The parsed EXIF block of `bytes`, if it has a readable one. A damaged block is treated as
/// absent: metadata is a courtesy and must not fail an upload.
pub(crate) fn read(bytes: &[u8]) -> Option<Exif> {
    Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
}

/// The tags of the primary image's Exif sub-IFD (exposure, lens, dates, …), named as the
/// Assets API names them. Binary tags (maker notes, versions) are left out.
pub(crate) fn exif_metadata(exif: &Exif) -> ExifMetadata {
    let fields = exif
        .fields()
        .filter(|f| f.ifd_num == In::PRIMARY && f.tag.context() == Context::Exif)
        .filter_map(|f| Some((tag_name(f.tag), field_json(f)?)))
        .collect();
    ExifMetadata { fields }
}

/// The GPS position, when latitude and longitude are both present and valid.
pub(crate) fn location(exif: &Exif) -> Option<GeoPoint> {
    let coordinate = |value_tag: Tag, ref_tag: Tag, negative: u8| -> Option<f64> {
        let field = exif.get_field(value_tag, In::PRIMARY)?;
        let Value::Rational(parts) = &field.value else {
            return None;
        };
        let [d, m, s] = parts.as_slice() else {
            return None;
        };
        let degrees = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = match exif.get_field(ref_tag, In::PRIMARY).map(|f| &f.value) {
            Some(Value::Ascii(v)) if v.first().and_then(|s| s.first()) == Some(&negative) => -1.0,
            _ => 1.0,
        };
        degrees.is_finite().then_some(sign * degrees)
    };
    let lat = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let lng = coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
        return None;
    }
    let alt = exif
        .get_field(Tag::GPSAltitude, In::PRIMARY)
        .and_then(|f| match &f.value {
            Value::Rational(v) => v.first().map(|r| r.to_f64()),
            _ => None,
        })
        .filter(|a| a.is_finite())
        .map(|a| {
            let below = exif
                .get_field(Tag::GPSAltitudeRef, In::PRIMARY)
                .and_then(|f| f.value.get_uint(0))
                == Some(1);
            if below {
                -a
            } else {
                a
            }
        });
    Some(GeoPoint { lat, lng, alt })
}

fn tag_name(tag: Tag) -> String {
    match tag {
        Tag::PhotographicSensitivity => "ISO".to_owned(),
        Tag::FocalLengthIn35mmFilm => "FocalLengthIn35mmFormat".to_owned(),
        other => other.to_string(),
    }
}

fn field_json(field: &Field) -> Option<serde_json::Value> {
    let float = |v: f64| Number::from_f64(v).map(serde_json::Value::Number);
    let values: Vec<serde_json::Value> = match &field.value {
        Value::Ascii(strings) => {
            let text = String::from_utf8_lossy(strings.first()?).trim().to_owned();
            let is_date = matches!(
                field.tag,
                Tag::DateTimeOriginal | Tag::DateTimeDigitized | Tag::DateTime
            );
            return Some(json!(if is_date {
                iso_date(&text).unwrap_or(text)
            } else {
                text
            }));
        }
        Value::Byte(v) => v.iter().map(|n| json!(n)).collect(),
        Value::Short(v) => v.iter().map(|n| json!(n)).collect(),
        Value::Long(v) => v.iter().map(|n| json!(n)).collect(),
        Value::SByte(v) => v.iter().map(|n| json!(n)).collect(),
        Value::SShort(v) => v.iter().map(|n| json!(n)).collect(),
        Value::SLong(v) => v.iter().map(|n| json!(n)).collect(),
        Value::Rational(v) => v.iter().filter_map(|r| float(r.to_f64())).collect(),
        Value::SRational(v) => v.iter().filter_map(|r| float(r.to_f64())).collect(),
        Value::Float(v) => v.iter().filter_map(|f| float(f64::from(*f))).collect(),
        Value::Double(v) => v.iter().filter_map(|f| float(*f)).collect(),
        Value::Undefined(..) | Value::Unknown(..) => return None,
    };
    match values.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        _ => Some(serde_json::Value::Array(values)),
    }
}

/// `2019:04:01 10:43:13` → `2019-04-01T10:43:13.000Z` (EXIF has no zone; the Assets API
/// reports these times as UTC).
fn iso_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .filter(|s| s.iter().all(u8::is_ascii_digit))
            .and_then(|_| text.get(range))
    };
    let shape_ok = b.len() >= 19
        && b.get(4) == Some(&b':')
        && b.get(7) == Some(&b':')
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    if !shape_ok {
        return None;
    }
    Some(format!(
        "{}-{}-{}T{}:{}:{}.000Z",
        digits(0..4)?,
        digits(5..7)?,
        digits(8..10)?,
        digits(11..13)?,
        digits(14..16)?,
        digits(17..19)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        let cases = [
            ("2019:04:01 10:43:13", Some("2019-04-01T10:43:13.000Z")),
            ("2019:04:01 10:43", None),
            ("    :  :     :  :  ", None),
            ("2019-04-01 10:43:13", None),
        ];
        for (text, want) in cases {
            assert_eq!(iso_date(text).as_deref(), want, "{text}");
        }
    }
}
