#!/usr/bin/env python3
"""Adds item properties to the primary item of a HEIF file, as phones write them.

heif-enc 1.15 writes neither an `nclx` `colr` box (the colour description is only in the
HEVC VUI) nor `irot`; iPhone and camera files carry both. This appends the boxes to `ipco`,
associates them with the primary item in `ipma` (`irot`/`imir` marked essential) and moves
the file offsets of `iloc` by the growth of `meta`.

Usage: heif_props.py IN OUT [--nclx PRIMARIES,TRANSFER,MATRIX,FULL] [--irot N] [--imir AXIS]
"""
import argparse
import struct


def boxes(data, start=0, end=None):
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        yield kind, pos, pos + header, pos + size
        pos += size


def box(kind, body):
    return struct.pack(">I4s", 8 + len(body), kind) + body


def primary(meta_body):
    for kind, _, b, e in boxes(meta_body, 4):
        if kind == b"pitm":
            version = meta_body[b]
            return struct.unpack(">I" if version else ">H", meta_body[b + 4:e])[0]
    raise SystemExit("no pitm")


def add_to_ipma(ipma, item, first_index, count, essential):
    version, flags = ipma[0], int.from_bytes(ipma[1:4], "big")
    wide_index = flags & 1
    out = bytearray(ipma[:8])
    pos = 8
    for _ in range(struct.unpack(">I", ipma[4:8])[0]):
        id_len = 4 if version >= 1 else 2
        iid = int.from_bytes(ipma[pos:pos + id_len], "big")
        n = ipma[pos + id_len]
        entry_len = id_len + 1 + n * (2 if wide_index else 1)
        entry = bytearray(ipma[pos:pos + entry_len])
        if iid == item:
            entry[id_len] = n + count
            for k in range(count):
                idx = first_index + k
                if wide_index:
                    entry += struct.pack(">H", idx | (0x8000 if essential[k] else 0))
                else:
                    entry.append(idx | (0x80 if essential[k] else 0))
        out += entry
        pos += entry_len
    return bytes(out)


def shift_iloc(body, delta):
    version = body[0]
    out = bytearray(body)
    offset_size, length_size = body[4] >> 4, body[4] & 15
    base_size, index_size = body[5] >> 4, (body[5] & 15) if version >= 1 else 0
    pos = 6
    count = struct.unpack(">H" if version < 2 else ">I", body[pos:pos + (2 if version < 2 else 4)])[0]
    pos += 2 if version < 2 else 4
    for _ in range(count):
        pos += 2 if version < 2 else 4
        method = 0
        if version >= 1:
            method = struct.unpack(">H", body[pos:pos + 2])[0] & 15
            pos += 2
        pos += 2
        fields = []
        if base_size:
            fields.append((pos, base_size))
        pos += base_size
        extents = struct.unpack(">H", body[pos:pos + 2])[0]
        pos += 2
        for _ in range(extents):
            pos += index_size
            if not base_size:
                fields.append((pos, offset_size))
            pos += offset_size + length_size
        if method == 0:
            for at, size in fields:
                value = int.from_bytes(out[at:at + size], "big") + delta
                out[at:at + size] = value.to_bytes(size, "big")
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--nclx")
    ap.add_argument("--irot", type=int)
    ap.add_argument("--imir", type=int)
    a = ap.parse_args()
    data = open(a.src, "rb").read()
    new_props, essential = [], []
    if a.nclx:
        p, t, m, full = (int(v) for v in a.nclx.split(","))
        new_props.append(box(b"colr", b"nclx" + struct.pack(">HHHB", p, t, m, 0x80 if full else 0)))
        essential.append(False)
    if a.irot is not None:
        new_props.append(box(b"irot", bytes([a.irot & 3])))
        essential.append(True)
    if a.imir is not None:
        new_props.append(box(b"imir", bytes([a.imir & 1])))
        essential.append(True)
    out = bytearray()
    meta_delta = 0
    for kind, start, body, end in boxes(data):
        if kind != b"meta":
            out += data[start:end]
            continue
        mb = data[body:end]
        item = primary(mb)
        children = []
        for ck, cs, cb, ce in boxes(mb, 4):
            if ck == b"iprp":
                parts = []
                ipco_count = 0
                for pk, ps, pb, pe in boxes(mb, cb, ce):
                    if pk == b"ipco":
                        ipco_count = len(list(boxes(mb, pb, pe)))
                        parts.append(box(b"ipco", mb[pb:pe] + b"".join(new_props)))
                    elif pk == b"ipma":
                        parts.append(box(b"ipma", add_to_ipma(mb[pb:pe], item, ipco_count + 1, len(new_props), essential)))
                    else:
                        parts.append(mb[ps:pe])
                children.append((ck, b"".join(parts), True))
            else:
                children.append((ck, mb[cb:ce], False))
        rebuilt = lambda: box(b"meta", mb[:4] + b"".join(box(k, v) for k, v, _ in children))
        meta_delta = len(rebuilt()) - (end - start)
        children = [(k, shift_iloc(v, meta_delta) if k == b"iloc" else v, x) for k, v, x in children]
        out += rebuilt()
    open(a.dst, "wb").write(out)


if __name__ == "__main__":
    main()
