#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpora of tests/fuzz/corpus/ (run from tests/fuzz/).

The seeds are committed; this script documents how they were made and can
regenerate them. Inputs libFuzzer found interesting are added by hand
(corpus/<name>/found_*) and are not produced here.
"""
import ipaddress
import os
import struct


def a(s):
    return ipaddress.IPv6Address(s).packed


def write(d, name, data):
    os.makedirs(os.path.join("corpus", d), exist_ok=True)
    with open(os.path.join("corpus", d, name), "wb") as f:
        f.write(data)


# ---- mobility options ---------------------------------------------------
def opt(t, data):
    return bytes([t, len(data)]) + data


MNID = opt(8, b"\x01mn1@example")
HNP = opt(22, b"\x00\x40" + a("2001:db8:1::"))
TS = opt(27, struct.pack(">Q", 0x0000123456780000))
VEND = opt(19, struct.pack(">IB", 32473, 1) + b"abc")
HI = opt(23, b"\x00\x01")
LLID = opt(25, b"\x00\x02\x00\x00\x00\x00\x01")
LLA = opt(26, a("fe80::1"))
PMIP_OPTS = MNID + HNP + TS

mopt = {
    "empty.bin": b"",
    "pad1.bin": b"\x00",
    "pad1_end.bin": HI + b"\x00",
    "padn.bin": opt(1, b"\x00" * 4),
    "padn_max.bin": opt(1, b"\x00" * 255),
    "all_known.bin": MNID + VEND + HNP + HI + opt(24, b"\x00\x04") + LLID + LLA + TS,
    "unknown_zero_len.bin": opt(200, b""),
    "no_length.bin": b"\x00\x00\xc8",
    "past_end.bin": b"\xc8\x05\x01\x02",
    "mnid_too_short.bin": opt(8, b"\x01"),
    "hnp_17.bin": opt(22, b"\x00" * 17),
    "ts_9.bin": opt(27, b"\x00" * 9),
    "vendor_4.bin": opt(19, b"\x00" * 4),
    "big_255.bin": opt(250, b"\xaa" * 255),
    "many_small.bin": (opt(200, b"") + b"\x00") * 40,
}
for k, v in mopt.items():
    write("mopt", k, v)


# ---- extension message --------------------------------------------------
def hdr(nsec, vrid=7, ver=1, first=0x3C):
    return struct.pack(">BBBBHH", first, vrid, ver, nsec, 0, 0)


def sec(kind, recs, length=None):
    length = len(recs[0]) if length is None else length
    return struct.pack(">BBH", kind, len(recs), length) + b"".join(recs)


def rec40(life, seq, hoa, coa, flags=0xA000):
    return struct.pack(">HHHH", life, seq, flags, 0) + a(hoa) + a(coa)


CAPS = struct.pack(">BBHI", 1, 0, 0, 0x3E)


def pmip(opts, pcoa="2001:db8:aa::1"):
    return struct.pack(">HHBBHI", 100, 0x8000, 4, 0, 0, 0xDEADBEEF) + a(pcoa) + opts


def attach_mip(hoa, value):
    return struct.pack(">BBHIHH", 2, 2, 0, 42, 75, 0) + a(hoa) + value


def attach_pmip(value):
    return struct.pack(">BBHIHH", 4, 1, 0, 7, 0, 0) + MNID + HNP + value


ext = {
    "caps.bin": hdr(1) + sec(1, [CAPS]),
    "mipv6_one.bin": hdr(1) + sec(2, [rec40(150, 1, "2001:db8::1", "2001:db8:9::1")]),
    "mipv6_opts.bin": hdr(1) + sec(2, [rec40(150, 1, "2001:db8::1", "2001:db8:9::1") + VEND + b"\x00\x00"]),
    "mipv6_new.bin": hdr(3) + sec(3, [a("2001:db8::2")])
    + sec(2, [rec40(10, 5, "2001:db8::1", "2001:db8:9::1"), rec40(10, 6, "2001:db8::2", "2001:db8:9::2")])
    + sec(3, [a("2001:db8::77")]),
    "mipv6_bad_records.bin": hdr(1) + sec(2, [
        rec40(10, 1, "fe80::1", "2001:db8:9::1"), rec40(10, 1, "2001:db8::1", "ff02::1"),
        rec40(10, 1, "2001:db8::3", "2001:db8::3"), rec40(0, 1, "2001:db8::4", "2001:db8::4")]),
    "pmipv6.bin": hdr(1) + sec(4, [pmip(PMIP_OPTS + HI + LLID + LLA)]),
    "pmipv6_two_hnp.bin": hdr(1) + sec(4, [pmip(PMIP_OPTS + opt(22, b"\x00\x30" + a("2001:db8:77::")))]),
    "pmipv6_no_ts.bin": hdr(1) + sec(4, [pmip(MNID + HNP)]),
    "attach.bin": hdr(2) + sec(5, [attach_mip("2001:db8::1", VEND)]) + sec(5, [attach_pmip(VEND)]),
    "unknown_kinds.bin": hdr(4) + sec(0, [b"\x00" * 4]) + sec(31, [b"ab", b"cd"])
    + sec(2, [rec40(10, 1, "2001:db8::1", "2001:db8:9::1")]) + sec(200, [b"" for _ in range(3)], 0),
    "bad_section_len.bin": hdr(2) + sec(1, [CAPS + b"\x00"]) + sec(3, [b"\x20" * 15]),
    "overflow.bin": hdr(1) + struct.pack(">BBH", 200, 255, 0xFFFF) + b"xxxx",
    "count_mismatch.bin": hdr(2) + sec(1, [CAPS]),
    "count_zero.bin": hdr(1) + struct.pack(">BBH", 1, 0, 8),
    "trailing.bin": hdr(1) + sec(1, [CAPS]) + b"\x00\x00",
    "zero_sections.bin": hdr(0),
    "bad_ext_version.bin": hdr(1, ver=2) + sec(1, [CAPS]),
    "bc_update.bin": hdr(1, first=0x3F) + rec40(10, 1, "2001:db8::1", "2001:db8:9::1"),
    "short.bin": hdr(1)[:7],
    "all_kinds.bin": hdr(5) + sec(1, [CAPS]) + sec(3, [a("2001:db8::1")])
    + sec(2, [rec40(150, 1, "2001:db8::1", "2001:db8:9::1")]) + sec(4, [pmip(PMIP_OPTS)])
    + sec(5, [attach_mip("2001:db8::1", VEND)]),
}
def sw(op, ident, status=0, target="fe80::2", flags=0):
    return struct.pack(">BBHIBBBBIQ", op, 2, status, ident, 200, 200, 0, flags, 400, 0x1122334455667788) + a(target)


ext["switch.bin"] = hdr(3) + sec(12, [sw(1, 9, target="::")]) + sec(12, [sw(5, 10), sw(6, 10, 130)]) \
    + sec(12, [sw(3, 11, flags=3)])
# unknown op, id 0, status in a request, a reserved flag, a global target
ext["switch_bad.bin"] = hdr(1) + sec(12, [sw(7, 1), sw(5, 0), sw(5, 2, 128), sw(2, 3, flags=4),
                                          sw(5, 4, target="2001:db8::1")])
# State Synchronization Request (kind 13 KEYS): a REQUEST for keys, and an
# answer (SYNC phase 3, a record with an attachment, a "no such binding")
KEYREQ = struct.pack(">IBBH", 5, 3, 2, 0) + bytes(16)
ext["keys_request.bin"] = hdr(2) + sec(7, [KEYREQ]) \
    + sec(13, [struct.pack(">BBH", 2, 0, 0) + a("2001:db8::%x" % (i + 1)) for i in range(3)])
ext["keys_answer.bin"] = hdr(3) + sec(8, [struct.pack(">IBBHII", 5, 3, 2, 0, 2, 0)]) \
    + sec(2, [rec40(150, 1, "2001:db8::1", "2001:db8:9::1") + VEND]) \
    + sec(13, [struct.pack(">BBH", 2, 1, 0) + a("2001:db8::2"), struct.pack(">BBH", 9, 4, 0) + a("fe80::1")])
def magsw(op, ident, status=0, mag="2001:db8:3a::1", mag4=0):
    return struct.pack(">BBHI", op, status, 0, ident) + a(mag) + struct.pack(">IIQ", mag4, 12, 0x0102030405060708)


ext["magsw.bin"] = hdr(2) + sec(14, [magsw(0, 5), magsw(1, 5, 128)]) + sec(14, [magsw(2, 5, mag4=0xC0000201)])
# unknown op, id 0, status in a request, a link-local MAG
ext["magsw_bad.bin"] = hdr(1) + sec(14, [magsw(6, 1), magsw(0, 0), magsw(3, 2, 130), magsw(0, 3, mag="fe80::1")])
ext["many_new.bin"] = hdr(2) + sec(3, [a("2001:db8::%x" % (i + 1)) for i in range(70)]) \
    + sec(2, [rec40(10, 1, "2001:db8::1", "2001:db8:9::1")])
for k, v in ext.items():
    write("ext", k, v)


# ---- proxy ND frames (byte 0: flags, bit 1 = fix checksum) ---------------
def csum(src, dst, icmp):
    data = src + dst + struct.pack(">II", len(icmp), 58) + icmp
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ns_frame(target, src="fe80::2", dst=None, opts=b"", hlim=255, code=0, fix=True):
    t = a(target)
    if dst is None:
        dst = "ff02::1:ff00:0"
        d = bytearray(a(dst))
        d[13:16] = t[13:16]
        d = bytes(d)
    else:
        d = a(dst)
    icmp = bytearray(struct.pack(">BBHI", 135, code, 0, 0) + t + opts)
    c = csum(a(src), d, bytes(icmp))
    if fix:
        icmp[2:4] = struct.pack(">H", c)
    ip = struct.pack(">IHBB", 0x60000000, len(icmp), 58, hlim) + a(src) + d
    eth = b"\x33\x33\xff" + d[13:16] + b"\x02\x00\x00\x00\x00\x02" + b"\x86\xdd"
    return eth + ip + bytes(icmp)


SLLA = b"\x01\x01\x02\x00\x00\x00\x00\x02"
pnd = {
    "ns_ours.bin": b"\x00" + ns_frame("2001:db8::1", opts=SLLA),
    "ns_ours_fixsum.bin": b"\x02" + ns_frame("2001:db8::5", opts=SLLA),
    "ns_unknown.bin": b"\x00" + ns_frame("2001:db8::99", opts=SLLA),
    "ns_dad.bin": b"\x00" + ns_frame("2001:db8::2", src="::"),
    "ns_dad_slla.bin": b"\x00" + ns_frame("2001:db8::2", src="::", opts=SLLA),
    "ns_bad_sum.bin": b"\x00" + ns_frame("2001:db8::1", fix=False),
    "ns_hlim64.bin": b"\x02" + ns_frame("2001:db8::1", hlim=64),
    "ns_opt_len0.bin": b"\x02" + ns_frame("2001:db8::1", opts=b"\x01\x00\x00\x00\x00\x00\x00\x00"),
    "ns_opt_past.bin": b"\x02" + ns_frame("2001:db8::1", opts=b"\x01\x02\x00\x00"),
    "ns_unicast.bin": b"\x02" + ns_frame("2001:db8::3", dst="2001:db8::3", opts=SLLA),
    "ns_multicast_target.bin": b"\x02" + ns_frame("ff02::1"),
    "outgoing.bin": b"\x01" + ns_frame("2001:db8::1", opts=SLLA),
    "short.bin": b"\x00" + b"\x33" * 20,
    "not_ipv6.bin": b"\x00" + b"\xff" * 12 + b"\x08\x00" + b"\x45" * 60,
}
for k, v in pnd.items():
    write("pnd", k, v)


# ---- HAO + ESP packets (byte 0: 0 = IPv6 packet, 1 = dstopts view) --------
VHA = "2001:db8:ffff::1"


def dstopts(nh, hoa, pad_first=False, hao_len=16):
    body = (b"\x00\x00" if pad_first else b"") + bytes([201, hao_len]) + a(hoa)[:hao_len]
    # 8-octet units: pad with PadN
    total = 2 + len(body)
    pad = (-total) % 8
    if pad == 1:
        body += b"\x00"
    elif pad:
        body += bytes([1, pad - 2]) + b"\x00" * (pad - 2)
    total = 2 + len(body)
    return bytes([nh, total // 8 - 1]) + body


def ip6(nh, src, dst, payload, version=6):
    return struct.pack(">IHBB", version << 28, len(payload), nh, 64) + a(src) + a(dst) + payload


ESP = struct.pack(">II", 0x1000, 1) + b"\x00" * 16
hao = {
    "trigger.bin": b"\x00" + ip6(60, "2001:db8:9::1", VHA, dstopts(50, "2001:db8::1") + ESP),
    "trigger_padded.bin": b"\x00" + ip6(60, "2001:db8:9::1", VHA, dstopts(50, "2001:db8::2", True) + ESP),
    "draft_order.bin": b"\x00" + ip6(60, "2001:db8::3", VHA, dstopts(50, "2001:db8:9::3") + ESP),
    "unknown_hoa.bin": b"\x00" + ip6(60, "2001:db8:9::1", VHA, dstopts(50, "2001:db8::f1") + ESP),
    "not_esp.bin": b"\x00" + ip6(60, "2001:db8:9::1", VHA, dstopts(59, "2001:db8::1")),
    "not_vha.bin": b"\x00" + ip6(60, "2001:db8:9::1", "2001:db8::99", dstopts(50, "2001:db8::1") + ESP),
    "hbh_then_dst.bin": b"\x00" + ip6(0, "2001:db8:9::1", VHA, b"\x3c\x00\x01\x04\x00\x00\x00\x00"
                                      + dstopts(50, "2001:db8::4") + ESP),
    "hao_len15.bin": b"\x00" + ip6(60, "2001:db8:9::1", VHA, dstopts(50, "2001:db8::1", hao_len=15) + ESP),
    "truncated.bin": b"\x00" + ip6(60, "2001:db8:9::1", VHA, dstopts(50, "2001:db8::1"))[:50],
    "not_ipv6.bin": b"\x00" + ip6(60, "2001:db8:9::1", VHA, b"", version=4),
    "dstopts_view.bin": b"\x01" + a("2001:db8:9::5") + a(VHA) + b"\x00" + dstopts(50, "2001:db8::5") + ESP,
    "dstopts_bad.bin": b"\x01" + a("2001:db8:9::5") + a(VHA) + b"\x02" + b"\x32\x05\xc9\x10",
}
for k, v in hao.items():
    write("hao", k, v)

# ---- control socket -------------------------------------------------------
big_import = "import\n" + "".join(
    "add 2001:db8::%x 2001:db8:9::%x 600 %d\n" % (i + 1, i + 1, i) for i in range(200)) + ".\n"
ctl = {
    "add_del.txt": b"add 2001:db8::1 2001:db8:9::1 600 1\nadd 2001:db8::2 2001:db8:9::2 600 2 HR\n"
                   b"show\nshow json\ndel 2001:db8::1\nstate\nstats\n",
    "import.txt": big_import.encode(),
    "import_partial.txt": b"import\nadd 2001:db8::10 2001:db8:9::10 60 1\nadd 2001:db8::11 2001",
    "import_bad.txt": b"import\nadd ff02::1 2001:db8:9::1 60 1\nbogus line\n.\nstate\n",
    "bad_addresses.txt": b"add :: 2001:db8:9::1 60 1\nadd 2001:db8::1 ::1 60 1\n"
                         b"add fe80::1 2001:db8:9::1 60 1\nadd 2001:db8::1 2001:db8::1 60 1\n"
                         b"add ::ffff:1.2.3.4 2001:db8:9::1 60 1\nadd 2001:db8::1 not-an-address 1 1\n",
    "bad_numbers.txt": b"add 2001:db8::1 2001:db8:9::1 -1 1\nadd 2001:db8::1 2001:db8:9::1 99999999999 1\n"
                       b"add 2001:db8::1 2001:db8:9::1 60 65536\nadd 2001:db8::1 2001:db8:9::1 60 1 ZZ\n"
                       b"add 2001:db8::1 2001:db8:9::1 60 1 0x10000\nadd 2001:db8::1 2001:db8:9::1 60 1 -\n",
    "bad_args.txt": b"add\ndel\ndel a b\nflush now\nshow rbc bc\nshow json json\nstats xml\nstate json json\n"
                    b"nosuchcommand\n\n   \n\t\n",
    "huge_line.txt": b"add " + b"A" * 5000 + b"\nstate\n",
    "huge_import_line.txt": b"import\n" + b"add " + b"1" * 3000 + b"\n.\n",
    "nuls.txt": b"sta\x00te\nadd 2001:db8::1\x00 2001:db8:9::1 60 1\n\x00\x00\x00\n",
    "crlf.txt": b"state\r\nhelp\r\nshow json\r\n",
    "no_newline.txt": b"state",
    "quit_first.txt": b"quit\nadd 2001:db8::7 2001:db8:9::7 60 1\n",
    "flush.txt": b"add 2001:db8::8 2001:db8:9::8 60 1\nflush\nshow bc json\n",
    "binary.txt": bytes(range(256)),
}
for k, v in ctl.items():
    write("ctl", k, v)


# ---- Home Agent Switch (RFC 5142 4; byte 0 bit 0: src + dst follow) -------
def mh_csum(src, dst, mh):
    d = a(src) + a(dst) + struct.pack(">IxxxB", len(mh), 135) + mh
    if len(d) % 2:
        d += b"\0"
    s = sum(struct.unpack(">%dH" % (len(d) // 2), d))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def has(addrs, opts=b"", proto=59, mhtype=12, n=None, hlen=None, src=None, dst=None):
    body = bytes([n if n is not None else len(addrs), 0]) + b"".join(a(x) for x in addrs) + opts
    total = 6 + len(body)
    m = bytes([proto, hlen if hlen is not None else total // 8 - 1, mhtype, 0, 0, 0]) + body
    if src:
        c = mh_csum(src, dst, m)
        m = m[:4] + struct.pack(">H", c) + m[6:]
        return b"\x01" + a(src) + a(dst) + m
    return b"\x00" + m


HA1, HA2, MN = "2001:db8:1::2", "2001:db8:2::3", "2001:db8:99::1"
mh = {
    "one.bin": has([HA1]),
    "one_csum.bin": has([HA1], src=HA1, dst=MN),
    "two_opts.bin": has([HA1, HA2], opts=opt(200, b"\xaa") + opt(1, b"\x00\x00\x00"), src=HA1, dst=MN),
    "empty_list.bin": has([]),
    "bad_csum.bin": has([HA1], src=HA1, dst=MN)[:38] + b"\x00\x01" + has([HA1], src=HA1, dst=MN)[40:],
    "count_too_big.bin": has([HA1], n=9),
    "hlen_wrong.bin": has([HA1], hlen=7),
    "type_ba.bin": has([HA1], mhtype=6),
    "proto_tcp.bin": has([HA1], proto=6),
    "multicast.bin": has(["ff02::1"]),
    "opts_past_end.bin": has([HA1], opts=b"\xc8\x09" + b"\x00" * 6),
    "max.bin": has(["2001:db8::%x" % (i + 1) for i in range(127)]),
    "short.bin": b"\x00\x3b\x02\x0c",
}
for k, v in mh.items():
    write("mh", k, v)
