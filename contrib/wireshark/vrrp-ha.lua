-- vrrp-ha.lua - Wireshark / tshark dissector for vrrp-ha's VRRP messages
--
--   VRRP_BC_REQUEST (type 14) and VRRP_BC_UPDATE (type 15) of
--   draft-deng-mip6-vrrp-homeagent-reliability-00 section 4.3, and vrrp-ha's
--   extension message (type 12: sections CAPS, MIPV6, NEW, PMIPV6, ATTACH with
--   RFC 6275 section 6.2 mobility options; the framed-sync sections REQUEST,
--   SYNC, DIGEST, RANGE, TABLE; AUTH, the first section of a protected
--   message). The byte layout is the project's docs/protocol.md and
--   docs/auth.md; how to use this file is docs/dissector.md.
--
-- It takes IP protocol 112 from the built-in VRRP dissector and hands every
-- packet that is not one of these three types (adverts, type 1) back to it,
-- so adverts decode exactly as before.
--
--   tshark -X lua_script:contrib/wireshark/vrrp-ha.lua -r capture.pcapng
--
-- Written for the Lua API of Wireshark 4.0 (Lua 5.2; no bit operators are
-- used). Every read is bounds-checked first: malformed input is reported as
-- expert info, never as a Lua error.
--
-- SPDX-License-Identifier: GPL-2.0-or-later

local VERSION = "1.1"

local vrrpha = Proto("vrrpha", "VRRP-HA binding cache replication")

local TYPE_ADVERT, TYPE_EXT, TYPE_BC_REQUEST, TYPE_BC_UPDATE = 1, 12, 14, 15
local HDR_LEN, REC_LEN = 8, 40

local type_names = {
    [TYPE_ADVERT] = "ADVERTISEMENT",
    [TYPE_EXT] = "EXTENSION",
    [TYPE_BC_REQUEST] = "VRRP_BC_REQUEST",
    [TYPE_BC_UPDATE] = "VRRP_BC_UPDATE",
}

local K_CAPS, K_MIPV6, K_NEW, K_PMIPV6, K_ATTACH = 1, 2, 3, 4, 5
local K_AUTH, K_REQUEST, K_SYNC, K_DIGEST, K_RANGE, K_TABLE = 6, 7, 8, 9, 10, 11
local K_SWITCH, K_KEYS, K_MAGSW = 12, 13, 14
local kind_names = {
    [K_CAPS] = "CAPS",
    [K_MIPV6] = "MIPV6",
    [K_NEW] = "NEW",
    [K_PMIPV6] = "PMIPV6",
    [K_ATTACH] = "ATTACH",
    [K_AUTH] = "AUTH",
    [K_REQUEST] = "REQUEST",
    [K_SYNC] = "SYNC",
    [K_DIGEST] = "DIGEST",
    [K_RANGE] = "RANGE",
    [K_TABLE] = "TABLE",
    [K_SWITCH] = "SWITCH",
    [K_KEYS] = "KEYS",
    [K_MAGSW] = "MAGSW",
}
-- record lengths per known kind (docs/protocol.md "Kinds"; the record
-- length field is 16 bits, so 0xffff is "no maximum"). AUTH is not here:
-- it is taken off before parsing (docs/auth.md), and anywhere but first it
-- is skipped like an unknown kind.
local kind_min = { [K_CAPS] = 8, [K_MIPV6] = 40, [K_NEW] = 16, [K_PMIPV6] = 28, [K_ATTACH] = 12,
    [K_REQUEST] = 24, [K_SYNC] = 16, [K_DIGEST] = 16, [K_RANGE] = 4, [K_TABLE] = 24,
    [K_SWITCH] = 40, [K_KEYS] = 20, [K_MAGSW] = 40 }
local kind_max = { [K_CAPS] = 8, [K_MIPV6] = 0xffff, [K_NEW] = 16, [K_PMIPV6] = 0xffff, [K_ATTACH] = 0xffff,
    [K_REQUEST] = 24, [K_SYNC] = 16, [K_DIGEST] = 16, [K_RANGE] = 4, [K_TABLE] = 24,
    [K_SWITCH] = 40, [K_KEYS] = 20, [K_MAGSW] = 40 }
local AUTH_REC_LEN, AUTH_PAYLOAD_OFF = 32, 44
local BUCKETS = 4096 -- framed sync: buckets of a table (docs/protocol.md "Framed sync")

-- framed sync and auth values (docs/protocol.md "Framed sync", docs/auth.md)
local req_what_names = { [1] = "records", [2] = "digests" }
local sync_phase_names = { [1] = "START", [2] = "END" }
local vrrp_state_names = { [0] = "INIT", [1] = "BACKUP", [2] = "MASTER", [3] = "FAULT" }
local sync_state_names = { [0] = "in_sync", [1] = "syncing", [2] = "diverged", [3] = "demoted" }
-- SWITCH and MAGSW (docs/harp.md, docs/pmipv6.md)
local sw_op_names = { [1] = "Hello Request", [2] = "Hello", [3] = "SwitchOver Request",
    [4] = "SwitchOver Reply", [5] = "SwitchBack Request", [6] = "SwitchBack Reply" }
local sw_status_names = { [0] = "success", [128] = "not active / already active",
    [129] = "administratively prohibited", [130] = "not in sync", [131] = "busy" }
local magsw_op_names = { [0] = "Request", [1] = "Reply", [2] = "Complete", [3] = "Back Request",
    [4] = "Back Reply", [5] = "Back Complete" }
local auth_mode_names = { [1] = "encrypt", [2] = "integrity" }
local auth_alg_names = { [1] = "AES-256-GCM", [2] = "ChaCha20-Poly1305" }

-- mobility options (RFC 6275 6.2 and the IANA registry)
local OPT_PAD1, OPT_PADN, OPT_MNID, OPT_VENDOR = 0, 1, 8, 19
local OPT_HNP, OPT_HI, OPT_ATT, OPT_LLID, OPT_LLA, OPT_TS = 22, 23, 24, 25, 26, 27
local opt_names = {
    [OPT_PAD1] = "Pad1",
    [OPT_PADN] = "PadN",
    [2] = "Binding Refresh Advice",
    [3] = "Alternate Care-of Address",
    [4] = "Nonce Indices",
    [5] = "Binding Authorization Data",
    [OPT_MNID] = "Mobile Node Identifier",
    [OPT_VENDOR] = "Vendor-Specific",
    [OPT_HNP] = "Home Network Prefix",
    [OPT_HI] = "Handoff Indicator",
    [OPT_ATT] = "Access Technology Type",
    [OPT_LLID] = "Mobile Node Link-layer Identifier",
    [OPT_LLA] = "Link-local Address",
    [OPT_TS] = "Timestamp",
}
local mnid_subtypes = { [1] = "NAI (RFC 4283)" }
local hi_names = {
    [0] = "Reserved",
    [1] = "Attachment over a new interface",
    [2] = "Handoff between two different interfaces of the mobile node",
    [3] = "Handoff between mobile access gateways for the same interface",
    [4] = "Handoff state unknown",
    [5] = "Handoff state not changed (re-registration)",
}
local att_names = {
    [0] = "Reserved",
    [1] = "Virtual",
    [2] = "PPP",
    [3] = "IEEE 802.3",
    [4] = "IEEE 802.11a/b/g",
    [5] = "IEEE 802.16e",
}
local attach_owner_names = { [K_MIPV6] = "MIPv6 binding", [K_PMIPV6] = "PMIPv6 binding" }
local attach_type_names = { [1] = "AAA state", [2] = "vendor-specific" }

-- binding flags (RFC 6275 6.1.7, RFC 5213 8.1): letter and mask
local FLAGS = {
    { "A", 0x8000, "Acknowledge" },
    { "H", 0x4000, "Home Registration" },
    { "L", 0x2000, "Link-Local Address Compatibility" },
    { "K", 0x1000, "Key Management Mobility Capability" },
    { "M", 0x0800, "MAP Registration" },
    { "R", 0x0400, "Mobile Router" },
    { "P", 0x0200, "Proxy Registration" },
}

---------------------------------------------------------------------------
-- fields
---------------------------------------------------------------------------
local pf = {}
local function add(f)
    pf[#pf + 1] = f
    return f
end

-- VRRP header, as in draft-deng 4.3.1 / 4.3.2 and RFC 5798 5.1
local f_version = add(ProtoField.uint8("vrrpha.version", "Version", base.DEC, nil, 0xf0))
local f_type = add(ProtoField.uint8("vrrpha.type", "Type", base.DEC, type_names, 0x0f))
local f_vrid = add(ProtoField.uint8("vrrpha.vrid", "Virtual Rtr ID", base.DEC))
local f_unused1 = add(ProtoField.uint8("vrrpha.unused1", "UNUSED 1", base.HEX))
local f_unused2 = add(ProtoField.uint8("vrrpha.unused2", "UNUSED 2", base.HEX))
local f_count = add(ProtoField.uint8("vrrpha.count", "# of Bindings", base.DEC))
local f_rsvd = add(ProtoField.uint16("vrrpha.rsvd", "(rsvd)", base.HEX, nil, 0xf000))
local f_unused_w = add(ProtoField.uint16("vrrpha.unused", "UNUSED", base.HEX, nil, 0x0fff))
local f_checksum = add(ProtoField.uint16("vrrpha.checksum", "Checksum", base.HEX))
local f_checksum_status = add(ProtoField.string("vrrpha.checksum.status", "Checksum Status"))

-- binding record (draft-deng 4.3.3; the first 40 bytes of a MIPV6 record)
local f_binding = add(ProtoField.bytes("vrrpha.binding", "Binding"))
local f_lifetime = add(ProtoField.uint16("vrrpha.lifetime", "Lifetime", base.DEC, nil, nil,
    "remaining lifetime in units of 4 seconds (0 = delete)"))
local f_lifetime_s = add(ProtoField.uint32("vrrpha.lifetime_s", "Lifetime (seconds)", base.DEC))
local f_delete = add(ProtoField.bool("vrrpha.delete", "Delete (lifetime 0)"))
local f_seq = add(ProtoField.uint16("vrrpha.seq", "Sequence Number", base.DEC))
local f_flags = add(ProtoField.uint16("vrrpha.flags", "Flags", base.HEX))
local f_flag = {}
for _, fl in ipairs(FLAGS) do
    f_flag[fl[1]] = add(ProtoField.bool("vrrpha.flags." .. fl[1]:lower(), fl[1] .. " (" .. fl[3] .. ")", 16,
        nil, fl[2]))
end
local f_flags_other = add(ProtoField.uint16("vrrpha.flags.other", "Other flag bits", base.HEX, nil, 0x01ff))
local f_reserved = add(ProtoField.uint16("vrrpha.reserved", "Reserved", base.HEX))
local f_hoa = add(ProtoField.ipv6("vrrpha.hoa", "Home Address"))
local f_coa = add(ProtoField.ipv6("vrrpha.coa", "Care-of Address"))

-- extension message (type 12)
local f_ext_version = add(ProtoField.uint8("vrrpha.ext.version", "Ext Version", base.DEC))
local f_ext_nsections = add(ProtoField.uint8("vrrpha.ext.nsections", "# Sections", base.DEC))
local f_ext_reserved = add(ProtoField.uint16("vrrpha.ext.reserved", "Reserved", base.HEX))
local f_ext_section = add(ProtoField.bytes("vrrpha.ext.section", "Section"))
local f_ext_kind = add(ProtoField.uint8("vrrpha.ext.kind", "Kind", base.DEC, kind_names))
local f_ext_count = add(ProtoField.uint8("vrrpha.ext.count", "Count", base.DEC))
local f_ext_len = add(ProtoField.uint16("vrrpha.ext.len", "Record length", base.DEC))
local f_ext_record = add(ProtoField.bytes("vrrpha.ext.record", "Record"))
local f_ext_skipped = add(ProtoField.bytes("vrrpha.ext.skipped", "Skipped bytes"))
local f_ext_new = add(ProtoField.ipv6("vrrpha.ext.new", "NEW Home Address"))
local f_ext_is_new = add(ProtoField.bool("vrrpha.ext.is_new", "Marked NEW by a NEW section"))
local f_ext_trailing = add(ProtoField.bytes("vrrpha.ext.trailing", "Trailing bytes"))

-- CAPS (kind 1)
local f_caps_version = add(ProtoField.uint8("vrrpha.caps.version", "Ext Version", base.DEC))
local f_caps_flags = add(ProtoField.uint8("vrrpha.caps.flags", "Flags", base.HEX))
local f_caps_solicit = add(ProtoField.bool("vrrpha.caps.solicit", "SOLICIT (answer with your CAPS)", 8, nil, 0x01))
local f_caps_reserved = add(ProtoField.uint16("vrrpha.caps.reserved", "Reserved", base.HEX))
local f_caps_kinds = add(ProtoField.uint32("vrrpha.caps.kinds", "Understood kinds", base.HEX))
local f_caps_kind = add(ProtoField.uint8("vrrpha.caps.kind", "Understands kind", base.DEC, kind_names))

-- PMIPV6 (kind 4)
local f_pmip_att = add(ProtoField.uint8("vrrpha.pmip.att", "ATT", base.DEC, att_names))
local f_pmip_reserved1 = add(ProtoField.uint8("vrrpha.pmip.reserved1", "Reserved", base.HEX))
local f_pmip_reserved2 = add(ProtoField.uint16("vrrpha.pmip.reserved2", "Reserved", base.HEX))
local f_pmip_tunnel = add(ProtoField.uint32("vrrpha.pmip.tunnel_id", "Tunnel ID", base.HEX))
local f_pmip_pcoa = add(ProtoField.ipv6("vrrpha.pmip.pcoa", "Proxy Care-of Address"))

-- ATTACH (kind 5)
local f_att_owner = add(ProtoField.uint8("vrrpha.attach.owner", "Owner kind", base.DEC, attach_owner_names))
local f_att_type = add(ProtoField.uint8("vrrpha.attach.type", "Attach type", base.DEC, attach_type_names))
local f_att_reserved = add(ProtoField.uint16("vrrpha.attach.reserved", "Reserved", base.HEX))
local f_att_version = add(ProtoField.uint32("vrrpha.attach.version", "Version (serial)", base.DEC))
local f_att_reserved2 = add(ProtoField.uint16("vrrpha.attach.reserved2", "Reserved", base.HEX))

-- mobility options
local f_opt = add(ProtoField.bytes("vrrpha.opt", "Mobility option"))
local f_opt_type = add(ProtoField.uint8("vrrpha.opt.type", "Option type", base.DEC, opt_names))
local f_opt_len = add(ProtoField.uint8("vrrpha.opt.len", "Option length", base.DEC))
local f_opt_data = add(ProtoField.bytes("vrrpha.opt.data", "Option data"))
local f_opt_pad = add(ProtoField.bytes("vrrpha.opt.pad", "Padding"))
local f_mnid_subtype = add(ProtoField.uint8("vrrpha.opt.mnid.subtype", "MN-ID subtype", base.DEC, mnid_subtypes))
local f_mnid_id = add(ProtoField.bytes("vrrpha.opt.mnid.id", "Identifier"))
local f_mnid_str = add(ProtoField.string("vrrpha.opt.mnid.str", "Identifier (text)"))
local f_vendor_id = add(ProtoField.uint32("vrrpha.opt.vendor.id", "Vendor ID", base.DEC))
local f_vendor_subtype = add(ProtoField.uint8("vrrpha.opt.vendor.subtype", "Vendor subtype", base.DEC))
local f_vendor_data = add(ProtoField.bytes("vrrpha.opt.vendor.data", "Vendor data"))
local f_hnp_reserved = add(ProtoField.uint8("vrrpha.opt.hnp.reserved", "Reserved", base.HEX))
local f_hnp_plen = add(ProtoField.uint8("vrrpha.opt.hnp.plen", "Prefix length", base.DEC))
local f_hnp_prefix = add(ProtoField.ipv6("vrrpha.opt.hnp.prefix", "Home Network Prefix"))
local f_hi_reserved = add(ProtoField.uint8("vrrpha.opt.hi.reserved", "Reserved", base.HEX))
local f_hi = add(ProtoField.uint8("vrrpha.opt.hi", "Handoff Indicator", base.DEC, hi_names))
local f_att_opt_reserved = add(ProtoField.uint8("vrrpha.opt.att.reserved", "Reserved", base.HEX))
local f_att_opt = add(ProtoField.uint8("vrrpha.opt.att", "Access Technology Type", base.DEC, att_names))
local f_llid_reserved = add(ProtoField.uint8("vrrpha.opt.llid.reserved", "Reserved", base.HEX))
local f_llid = add(ProtoField.bytes("vrrpha.opt.llid", "Link-layer Identifier"))
local f_lla = add(ProtoField.ipv6("vrrpha.opt.lla", "Link-local Address"))
local f_ts = add(ProtoField.uint64("vrrpha.opt.ts", "Timestamp (48.16 fixed point)", base.HEX))
local f_ts_text = add(ProtoField.string("vrrpha.opt.ts.text", "Timestamp"))

-- the fields of the framed-sync and AUTH records (a table: Lua 5.2 allows
-- at most 200 locals in the main chunk)
local F = {}

-- AUTH (kind 6, docs/auth.md)
F.auth_key_id = add(ProtoField.uint8("vrrpha.auth.key_id", "Key ID", base.DEC))
F.auth_mode = add(ProtoField.uint8("vrrpha.auth.mode", "Mode", base.DEC, auth_mode_names))
F.auth_alg = add(ProtoField.uint8("vrrpha.auth.alg", "Algorithm", base.DEC, auth_alg_names))
F.auth_reserved = add(ProtoField.bytes("vrrpha.auth.reserved", "Reserved"))
F.auth_seq = add(ProtoField.uint64("vrrpha.auth.seq", "Sequence number", base.HEX))
F.auth_epoch = add(ProtoField.uint32("vrrpha.auth.seq.epoch", "Epoch", base.DEC))
F.auth_counter = add(ProtoField.uint32("vrrpha.auth.seq.counter", "Counter", base.DEC))
F.auth_tag = add(ProtoField.bytes("vrrpha.auth.tag", "Tag (AEAD, not verified here)"))
F.auth_payload = add(ProtoField.bytes("vrrpha.auth.payload", "Encrypted payload"))
F.auth_payload_len = add(ProtoField.uint16("vrrpha.auth.payload_len", "Payload length", base.DEC))

-- REQUEST (kind 7)
F.req_id = add(ProtoField.uint32("vrrpha.request.id", "Request id", base.DEC))
F.req_what = add(ProtoField.uint8("vrrpha.request.what", "What", base.DEC, req_what_names))
F.req_table = add(ProtoField.uint8("vrrpha.request.table_kind", "Table kind", base.DEC, kind_names))
F.req_flags = add(ProtoField.uint16("vrrpha.request.flags", "Flags", base.HEX))
F.req_full = add(ProtoField.bool("vrrpha.request.flags.full", "FULL (every bucket)", 16, nil, 0x0001))
F.req_responder = add(ProtoField.ipv6("vrrpha.request.responder", "Responder"))

-- SYNC (kind 8)
F.sync_id = add(ProtoField.uint32("vrrpha.sync.id", "Request id", base.DEC))
F.sync_phase = add(ProtoField.uint8("vrrpha.sync.phase", "Phase", base.DEC, sync_phase_names))
F.sync_table = add(ProtoField.uint8("vrrpha.sync.table_kind", "Table kind", base.DEC, kind_names))
F.sync_flags = add(ProtoField.uint16("vrrpha.sync.flags", "Flags", base.HEX))
F.sync_full = add(ProtoField.bool("vrrpha.sync.flags.full", "FULL", 16, nil, 0x0001))
F.sync_merge = add(ProtoField.bool("vrrpha.sync.flags.merge", "MERGE (a departing master's table: split brain)", 16, nil, 0x0002))
F.sync_records = add(ProtoField.uint32("vrrpha.sync.records", "Records", base.DEC,
    nil, nil, "START: live entries in the sender's table; END: records (or digests) sent"))
F.sync_reserved = add(ProtoField.uint32("vrrpha.sync.reserved", "Reserved", base.HEX))

-- DIGEST (kind 9), RANGE (kind 10)
F.dig_first = add(ProtoField.uint16("vrrpha.digest.first", "First bucket", base.DEC))
F.dig_n = add(ProtoField.uint16("vrrpha.digest.n", "Buckets", base.DEC))
F.dig_count = add(ProtoField.uint32("vrrpha.digest.count", "Live entries", base.DEC))
F.dig_sum = add(ProtoField.uint64("vrrpha.digest.sum", "Digest (sum of version hashes mod 2^64)", base.HEX))
F.range_first = add(ProtoField.uint16("vrrpha.range.first", "First bucket", base.DEC))
F.range_n = add(ProtoField.uint16("vrrpha.range.n", "Buckets", base.DEC))

-- TABLE (kind 11)
F.tab_kind = add(ProtoField.uint8("vrrpha.table.kind", "Table kind", base.DEC, kind_names))
F.tab_vrrp = add(ProtoField.uint8("vrrpha.table.vrrp_state", "VRRP state", base.DEC, vrrp_state_names))
F.tab_sync = add(ProtoField.uint8("vrrpha.table.sync_state", "Sync state", base.DEC, sync_state_names))
F.tab_prio = add(ProtoField.uint8("vrrpha.table.priority", "Configured priority", base.DEC))
F.tab_count = add(ProtoField.uint32("vrrpha.table.count", "Live entries", base.DEC))
F.tab_sum = add(ProtoField.uint64("vrrpha.table.sum", "Digest of the whole table", base.HEX))
F.tab_flags = add(ProtoField.uint32("vrrpha.table.flags", "Flags", base.HEX))
F.tab_reserved = add(ProtoField.uint32("vrrpha.table.reserved", "Reserved", base.HEX))

-- SWITCH (kind 12)
F.sw_op = add(ProtoField.uint8("vrrpha.switch.op", "Op", base.DEC, sw_op_names))
F.sw_vrrp = add(ProtoField.uint8("vrrpha.switch.vrrp_state", "Sender's VRRP state", base.DEC, vrrp_state_names))
F.sw_status = add(ProtoField.uint16("vrrpha.switch.status", "Status", base.DEC, sw_status_names))
F.sw_id = add(ProtoField.uint32("vrrpha.switch.id", "Id", base.DEC))
F.sw_prio = add(ProtoField.uint8("vrrpha.switch.priority", "Configured priority", base.DEC))
F.sw_eff = add(ProtoField.uint8("vrrpha.switch.eff_priority", "Own priority", base.DEC))
F.sw_sync = add(ProtoField.uint8("vrrpha.switch.sync_state", "Sync state", base.DEC, sync_state_names))
F.sw_flags = add(ProtoField.uint8("vrrpha.switch.flags", "Flags", base.HEX))
F.sw_in_sync = add(ProtoField.bool("vrrpha.switch.flags.in_sync", "IN_SYNC", 8, nil, 0x01))
F.sw_held = add(ProtoField.bool("vrrpha.switch.flags.held", "HELD", 8, nil, 0x02))
F.sw_count = add(ProtoField.uint32("vrrpha.switch.count", "Live entries", base.DEC))
F.sw_sum = add(ProtoField.uint64("vrrpha.switch.sum", "Digest of the table", base.HEX))
F.sw_target = add(ProtoField.ipv6("vrrpha.switch.target", "Target"))

-- KEYS (kind 13)
F.keys_kind = add(ProtoField.uint8("vrrpha.keys.table_kind", "Table kind", base.DEC, kind_names))
F.keys_flags = add(ProtoField.uint8("vrrpha.keys.flags", "Flags", base.HEX))
F.keys_none = add(ProtoField.bool("vrrpha.keys.flags.none", "NONE (no such binding)", 8, nil, 0x01))
F.keys_hoa = add(ProtoField.ipv6("vrrpha.keys.hoa", "Home Address"))

-- MAGSW (kind 14)
F.ms_op = add(ProtoField.uint8("vrrpha.magsw.op", "Op", base.DEC, magsw_op_names))
F.ms_status = add(ProtoField.uint8("vrrpha.magsw.status", "Status", base.DEC, sw_status_names))
F.ms_flags = add(ProtoField.uint16("vrrpha.magsw.flags", "Flags", base.HEX))
F.ms_id = add(ProtoField.uint32("vrrpha.magsw.id", "Id", base.DEC))
F.ms_mag = add(ProtoField.ipv6("vrrpha.magsw.mag", "MAG address"))
F.ms_mag4 = add(ProtoField.ipv4("vrrpha.magsw.mag4", "MAG IPv4 address"))
F.ms_count = add(ProtoField.uint32("vrrpha.magsw.count", "The MAG's proxy bindings", base.DEC))
F.ms_sum = add(ProtoField.uint64("vrrpha.magsw.sum", "Their digest", base.HEX))

vrrpha.fields = pf

---------------------------------------------------------------------------
-- expert info
---------------------------------------------------------------------------
local E = expert
local ex = {
    malformed = ProtoExpert.new("vrrpha.malformed", "Malformed VRRP-HA message",
        E.group.MALFORMED, E.severity.ERROR),
    bad_version = ProtoExpert.new("vrrpha.bad_version", "Version is not 3 (receivers drop it: bad_version)",
        E.group.PROTOCOL, E.severity.WARN),
    zero_count = ProtoExpert.new("vrrpha.zero_count", "# of Bindings is 0 (receivers drop it: zero_count)",
        E.group.PROTOCOL, E.severity.WARN),
    bad_addr = ProtoExpert.new("vrrpha.bad_addr", "Unusable address in a record (the record is skipped)",
        E.group.PROTOCOL, E.severity.WARN),
    reserved = ProtoExpert.new("vrrpha.reserved_nonzero", "Reserved / unused bits not 0 (ignored on receipt)",
        E.group.PROTOCOL, E.severity.NOTE),
    delete = ProtoExpert.new("vrrpha.delete.info", "Lifetime 0: the binding is deleted",
        E.group.SEQUENCE, E.severity.CHAT),
    checksum = ProtoExpert.new("vrrpha.checksum.bad", "Bad VRRP checksum", E.group.CHECKSUM, E.severity.WARN),
    unknown_kind = ProtoExpert.new("vrrpha.ext.unknown_kind", "Unknown section kind: skipped (unknown_kind)",
        E.group.UNDECODED, E.severity.NOTE),
    bad_section_len = ProtoExpert.new("vrrpha.ext.bad_section_len",
        "Record length outside this kind's limits: section skipped (bad_section_len)",
        E.group.MALFORMED, E.severity.WARN),
    bad_record = ProtoExpert.new("vrrpha.ext.bad_record", "Record refused by receivers (skipped)",
        E.group.PROTOCOL, E.severity.WARN),
    bad_options = ProtoExpert.new("vrrpha.opt.bad", "Malformed mobility options (bad_options)",
        E.group.MALFORMED, E.severity.WARN),
    truncated = ProtoExpert.new("vrrpha.truncated", "Captured packet is shorter than sent (snap length)",
        E.group.UNDECODED, E.severity.NOTE),
    internal = ProtoExpert.new("vrrpha.internal", "VRRP-HA dissector internal error (please report)",
        E.group.UNDECODED, E.severity.ERROR),
    auth_bad = ProtoExpert.new("vrrpha.auth.bad", "AUTH section every receiver refuses (auth_malformed / " ..
        "auth_mode_mismatch)", E.group.PROTOCOL, E.severity.WARN),
    encrypted = ProtoExpert.new("vrrpha.auth.encrypted.info", "Encrypted payload: not decoded",
        E.group.UNDECODED, E.severity.CHAT),
}
vrrpha.experts = { ex.malformed, ex.bad_version, ex.zero_count, ex.bad_addr, ex.reserved, ex.delete, ex.checksum,
    ex.unknown_kind, ex.bad_section_len, ex.bad_record, ex.bad_options, ex.truncated, ex.internal, ex.auth_bad,
    ex.encrypted }

---------------------------------------------------------------------------
-- preferences
---------------------------------------------------------------------------
vrrpha.prefs.check_checksum = Pref.bool("Verify the checksum", true,
    "Verify the VRRP checksum over the IP pseudo-header")

---------------------------------------------------------------------------
-- helpers
---------------------------------------------------------------------------
local f_ipv6_src = Field.new("ipv6.src")
local f_ipv6_dst = Field.new("ipv6.dst")
local f_ip_src = Field.new("ip.src")
local f_ip_dst = Field.new("ip.dst")

local function bit_set(v, mask)
    return math.floor(v / mask) % 2 == 1
end

local function flags_text(v)
    local s = ""
    for _, fl in ipairs(FLAGS) do
        if bit_set(v, fl[2]) then s = s .. fl[1] end
    end
    if v % 0x200 ~= 0 then s = s .. string.format("+0x%03x", v % 0x200) end
    return s == "" and "none" or s
end

-- the 16 bytes at off as a Lua string of hex (a table key)
local function key16(tvb, off)
    return tostring(tvb:range(off, 16):bytes())
end

-- why an address may not be a HoA / CoA (docs/protocol.md checks 9-10), or nil
local function unusable(tvb, off)
    local b = {}
    for i = 0, 15 do b[i] = tvb:range(off + i, 1):uint() end
    local zero10 = true
    for i = 0, 9 do if b[i] ~= 0 then zero10 = false end end
    if zero10 and b[10] == 0 and b[11] == 0 and b[12] == 0 and b[13] == 0 and b[14] == 0 then
        if b[15] == 0 then return "unspecified" end
        if b[15] == 1 then return "loopback" end
    end
    if b[0] == 0xff then return "multicast" end
    if b[0] == 0xfe and b[1] >= 0x80 and b[1] <= 0xbf then return "link-local" end
    if zero10 and b[10] == 0xff and b[11] == 0xff then return "v4-mapped" end
    return nil
end

local function seconds_text(s)
    local h, m = math.floor(s / 3600), math.floor(s / 60) % 60
    if s >= 3600 then return string.format("%d s = %dh%02dm%02ds", s, h, m, s % 60) end
    if s >= 60 then return string.format("%d s = %dm%02ds", s, m, s % 60) end
    return string.format("%d s", s)
end

-- Lifetime (4 s units) at off: the field, the seconds, expert info for 0
local function add_lifetime(tvb, off, tree, pinfo)
    local lt = tvb:range(off, 2):uint()
    local it = tree:add(f_lifetime, tvb:range(off, 2))
    it:append_text(string.format(" x 4 s (%s)", seconds_text(lt * 4)))
    tree:add(f_lifetime_s, tvb:range(off, 2), lt * 4):set_generated()
    if lt == 0 then
        local d = tree:add(f_delete, tvb:range(off, 2), true)
        d:set_generated()
        d:add_proto_expert_info(ex.delete)
    end
    return lt
end

local function add_flags(tvb, off, tree)
    local v = tvb:range(off, 2):uint()
    local it = tree:add(f_flags, tvb:range(off, 2))
    it:append_text(" (" .. flags_text(v) .. ")")
    for _, fl in ipairs(FLAGS) do it:add(f_flag[fl[1]], tvb:range(off, 2)) end
    it:add(f_flags_other, tvb:range(off, 2))
    return v
end

local function add_addr(tvb, off, tree, field, what)
    local it = tree:add(field, tvb:range(off, 16))
    local why = unusable(tvb, off)
    if why then it:add_proto_expert_info(ex.bad_addr, what .. " is " .. why) end
    return it, why
end

-- The 40-byte draft-deng 4.3.3 record at off (bounds already checked).
-- Returns: tree item, hoa key, summary text, refused reason (or nil).
local function binding40(tvb, off, tree, pinfo, label, reasons, item)
    local t = item or tree:add(f_binding, tvb:range(off, REC_LEN))
    t:set_text(label)
    local lt = add_lifetime(tvb, off, t, pinfo)
    local seq = tvb:range(off + 2, 2):uint()
    t:add(f_seq, tvb:range(off + 2, 2))
    local flags = add_flags(tvb, off + 4, t)
    local rit = t:add(f_reserved, tvb:range(off + 6, 2))
    if tvb:range(off + 6, 2):uint() ~= 0 then rit:add_proto_expert_info(ex.reserved) end
    local _, bad_h = add_addr(tvb, off + 8, t, f_hoa, "Home Address")
    local _, bad_c = add_addr(tvb, off + 24, t, f_coa, "Care-of Address")
    local refused
    if bad_h then
        refused = reasons.hoa
    elseif bad_c then
        refused = reasons.coa
    elseif lt ~= 0 and key16(tvb, off + 8) == key16(tvb, off + 24) then
        refused = reasons.same
        t:add_proto_expert_info(ex.bad_addr, "Home Address = Care-of Address with a non-zero lifetime (" ..
            refused .. ")")
    end
    local hoa = tostring(tvb:range(off + 8, 16):ipv6())
    local coa = tostring(tvb:range(off + 24, 16):ipv6())
    local sum = string.format("%s -> %s, seq %d, lifetime %d (%d s), flags %s", hoa, coa, seq, lt, lt * 4,
        flags_text(flags))
    if lt == 0 then sum = string.format("%s deleted, seq %d", hoa, seq) end
    t:append_text(": " .. sum)
    return t, key16(tvb, off + 8), sum, refused
end

---------------------------------------------------------------------------
-- mobility options (RFC 6275 6.2): type u8, length u8, data; Pad1 is 1 byte
---------------------------------------------------------------------------

-- Parses the option area [off, stop) under tree. Returns a list of
-- {type=, off=, len=} (data offset and length) and an error text or nil.
-- Keeps going after a known option breaks its length rule (shown), stops at
-- an option that runs past the end.
local function options(tvb, off, stop, tree, pinfo)
    local list, err = {}, nil
    local function bad(item, text)
        item:add_proto_expert_info(ex.bad_options, "bad_options: " .. text)
        err = err or text
    end
    while off < stop do
        local ty = tvb:range(off, 1):uint()
        if ty == OPT_PAD1 then
            local it = tree:add(f_opt, tvb:range(off, 1))
            it:set_text("Pad1")
            it:add(f_opt_type, tvb:range(off, 1))
            list[#list + 1] = { type = ty, off = off + 1, len = 0 }
            off = off + 1
        elseif off + 2 > stop then
            local it = tree:add(f_opt, tvb:range(off, stop - off))
            it:set_text(string.format("Truncated option (type %d): no length byte", ty))
            bad(it, "option header runs past the end of the record")
            return list, err
        else
            local len = tvb:range(off + 1, 1):uint()
            local name = opt_names[ty] or string.format("Unknown option %d", ty)
            if off + 2 + len > stop then
                local it = tree:add(f_opt, tvb:range(off, stop - off))
                it:set_text(string.format("%s: length %d runs past the end of the record (%d bytes left)",
                    name, len, stop - off - 2))
                it:add(f_opt_type, tvb:range(off, 1))
                it:add(f_opt_len, tvb:range(off + 1, 1))
                bad(it, "option length runs past the end of the record")
                return list, err
            end
            local it = tree:add(f_opt, tvb:range(off, 2 + len))
            it:set_text(string.format("%s (type %d, length %d)", name, ty, len))
            it:add(f_opt_type, tvb:range(off, 1))
            it:add(f_opt_len, tvb:range(off + 1, 1))
            local d = off + 2
            local r = len > 0 and tvb:range(d, len) or nil
            if ty == OPT_PADN then
                if r then it:add(f_opt_pad, r) end
            elseif ty == OPT_MNID then
                if len < 2 then
                    bad(it, "Mobile Node Identifier needs a subtype and an identifier (length >= 2)")
                else
                    it:add(f_mnid_subtype, tvb:range(d, 1))
                    it:add(f_mnid_id, tvb:range(d + 1, len - 1))
                    local s = tvb:range(d + 1, len - 1):string()
                    if s:match("^[%w%p ]+$") then
                        it:add(f_mnid_str, tvb:range(d + 1, len - 1), s)
                        it:append_text(": " .. s)
                    end
                end
            elseif ty == OPT_VENDOR then
                if len < 5 then
                    bad(it, "Vendor-Specific needs a vendor id and a subtype (length >= 5)")
                else
                    it:add(f_vendor_id, tvb:range(d, 4))
                    it:add(f_vendor_subtype, tvb:range(d + 4, 1))
                    if len > 5 then it:add(f_vendor_data, tvb:range(d + 5, len - 5)) end
                    it:append_text(string.format(": vendor %d subtype %d", tvb:range(d, 4):uint(),
                        tvb:range(d + 4, 1):uint()))
                end
            elseif ty == OPT_HNP then
                if len ~= 18 then
                    bad(it, "Home Network Prefix has length 18")
                else
                    it:add(f_hnp_reserved, tvb:range(d, 1))
                    local pl = tvb:range(d + 1, 1):uint()
                    local pli = it:add(f_hnp_plen, tvb:range(d + 1, 1))
                    it:add(f_hnp_prefix, tvb:range(d + 2, 16))
                    it:append_text(string.format(": %s/%d", tostring(tvb:range(d + 2, 16):ipv6()), pl))
                    if pl > 128 then bad(pli, "prefix length above 128") end
                end
            elseif ty == OPT_HI or ty == OPT_ATT then
                if len ~= 2 then
                    bad(it, opt_names[ty] .. " has length 2")
                else
                    it:add(ty == OPT_HI and f_hi_reserved or f_att_opt_reserved, tvb:range(d, 1))
                    it:add(ty == OPT_HI and f_hi or f_att_opt, tvb:range(d + 1, 1))
                    local v = tvb:range(d + 1, 1):uint()
                    local names = ty == OPT_HI and hi_names or att_names
                    it:append_text(string.format(": %d (%s)", v, names[v] or "unknown"))
                end
            elseif ty == OPT_LLID then
                if len < 2 then
                    bad(it, "MN Link-layer Identifier needs a reserved byte and an identifier (length >= 2)")
                else
                    it:add(f_llid_reserved, tvb:range(d, 1))
                    it:add(f_llid, tvb:range(d + 1, len - 1))
                end
            elseif ty == OPT_LLA then
                if len ~= 16 then
                    bad(it, "Link-local Address has length 16")
                else
                    it:add(f_lla, tvb:range(d, 16))
                    it:append_text(": " .. tostring(tvb:range(d, 16):ipv6()))
                end
            elseif ty == OPT_TS then
                if len ~= 8 then
                    bad(it, "Timestamp has length 8")
                else
                    it:add(f_ts, tvb:range(d, 8))
                    local secs = tvb:range(d, 2):uint() * 4294967296 + tvb:range(d + 2, 4):uint()
                    local frac = tvb:range(d + 6, 2):uint() / 65536
                    local txt
                    if secs < 253402300800 then -- before year 10000
                        txt = os.date("!%Y-%m-%d %H:%M:%S", secs) .. string.format(" +%.5f s UTC", frac)
                    else
                        txt = string.format("%.0f s +%.5f s", secs, frac)
                    end
                    it:add(f_ts_text, tvb:range(d, 8), txt)
                    it:append_text(": " .. txt)
                end
            elseif r then
                it:add(f_opt_data, r)
            end
            list[#list + 1] = { type = ty, off = d, len = len }
            off = d + len
        end
    end
    return list, err
end

---------------------------------------------------------------------------
-- extension records
---------------------------------------------------------------------------
local MIPV6_REASONS = { hoa = "bad_hoa", coa = "bad_coa", same = "hoa_is_coa" }
local BC_REASONS = { hoa = "rec_bad_hoa", coa = "rec_bad_coa", same = "rec_hoa_is_coa" }

local refused_n = 0 -- records refused in the message being dissected
local function refuse(item, reason, text)
    refused_n = refused_n + 1
    item:add_proto_expert_info(ex.bad_record, reason .. (text and (": " .. text) or ""))
end

local function rec_caps(tvb, off, len, t)
    t:set_text("CAPS")
    t:add(f_caps_version, tvb:range(off, 1))
    local fi = t:add(f_caps_flags, tvb:range(off + 1, 1))
    fi:add(f_caps_solicit, tvb:range(off + 1, 1))
    local flags = tvb:range(off + 1, 1):uint()
    if flags - flags % 2 ~= 0 then fi:add_proto_expert_info(ex.reserved) end
    local ri = t:add(f_caps_reserved, tvb:range(off + 2, 2))
    if tvb:range(off + 2, 2):uint() ~= 0 then ri:add_proto_expert_info(ex.reserved) end
    local kinds = tvb:range(off + 4, 4):uint()
    local ki = t:add(f_caps_kinds, tvb:range(off + 4, 4))
    local names = {}
    for k = 0, 31 do
        if bit_set(kinds, 2 ^ k) then
            ki:add(f_caps_kind, tvb:range(off + 4, 4), k)
            names[#names + 1] = kind_names[k] or tostring(k)
        end
    end
    ki:append_text(" (" .. table.concat(names, " ") .. ")")
    local solicit = flags % 2 == 1
    t:append_text(string.format(": ext version %d, kinds %s%s", tvb:range(off, 1):uint(), table.concat(names, " "),
        solicit and ", SOLICIT" or ""))
    return solicit and "CAPS(solicit)" or "CAPS"
end

local function rec_mipv6(tvb, off, len, t, pinfo, ctx)
    local _, hkey, sum, refused = binding40(tvb, off, t, pinfo, "MIPV6", MIPV6_REASONS, t)
    if len > REC_LEN then
        local ot = t:add(vrrpha, tvb:range(off + REC_LEN, len - REC_LEN), "Mobility options")
        local _, err = options(tvb, off + REC_LEN, off + len, ot, pinfo)
        if err and not refused then refused = "bad_options" end
    end
    if ctx.new[hkey] then
        t:add(f_ext_is_new, tvb:range(off + 8, 16), true):set_generated()
        t:append_text(" [NEW]")
        if not refused then ctx.new_used[hkey] = true end
    end
    if refused then refuse(t, refused) end
end

local function rec_new(tvb, off, len, t, pinfo, ctx)
    t:set_text("NEW")
    local it, why = add_addr(tvb, off, t, f_ext_new, "NEW Home Address")
    t:append_text(": " .. tostring(tvb:range(off, 16):ipv6()))
    if why then refuse(t, "bad_hoa") end
    ctx.new_items[#ctx.new_items + 1] = { item = t, key = key16(tvb, off), bad = why }
end

local function rec_pmipv6(tvb, off, len, t, pinfo)
    t:set_text("PMIPV6")
    local lt = add_lifetime(tvb, off, t, pinfo)
    local flags = add_flags(tvb, off + 2, t)
    t:add(f_pmip_att, tvb:range(off + 4, 1))
    local r1 = t:add(f_pmip_reserved1, tvb:range(off + 5, 1))
    local r2 = t:add(f_pmip_reserved2, tvb:range(off + 6, 2))
    if tvb:range(off + 5, 1):uint() ~= 0 then r1:add_proto_expert_info(ex.reserved) end
    if tvb:range(off + 6, 2):uint() ~= 0 then r2:add_proto_expert_info(ex.reserved) end
    t:add(f_pmip_tunnel, tvb:range(off + 8, 4))
    local _, bad_p = add_addr(tvb, off + 12, t, f_pmip_pcoa, "Proxy Care-of Address")
    local list, err = {}, nil
    if len > 28 then
        local ot = t:add(vrrpha, tvb:range(off + 28, len - 28), "Mobility options")
        list, err = options(tvb, off + 28, off + len, ot, pinfo)
    end
    local n = { [OPT_MNID] = 0, [OPT_HNP] = 0, [OPT_TS] = 0 }
    local mnid
    for _, o in ipairs(list) do
        if n[o.type] then n[o.type] = n[o.type] + 1 end
        if o.type == OPT_MNID and o.len >= 2 and not mnid then
            mnid = tvb:range(o.off + 1, o.len - 1):string()
        end
    end
    local reason
    if bad_p then
        reason = "pmip_bad_pcoa"
    elseif err then
        reason = "bad_options"
    elseif n[OPT_MNID] == 0 then
        reason = "pmip_no_mnid"
    elseif n[OPT_MNID] > 1 then
        reason = "pmip_dup_mnid"
    elseif n[OPT_HNP] > 8 then
        reason = "pmip_bad_hnp"
    elseif n[OPT_HNP] == 0 then
        reason = "pmip_no_hnp"
    elseif n[OPT_TS] == 0 then
        reason = "pmip_no_timestamp"
    elseif n[OPT_TS] > 1 then
        reason = "pmip_dup_timestamp"
    end
    t:append_text(string.format(": %sPCoA %s, lifetime %d (%d s), flags %s, %d HNP",
        mnid and (mnid:match("^[%w%p ]+$") and ("MN-ID " .. mnid .. ", ") or "") or "",
        tostring(tvb:range(off + 12, 16):ipv6()), lt, lt * 4, flags_text(flags), n[OPT_HNP]))
    if reason then refuse(t, reason) end
end

local function rec_attach(tvb, off, len, t, pinfo)
    t:set_text("ATTACH")
    local owner = tvb:range(off, 1):uint()
    local aty = tvb:range(off + 1, 1):uint()
    t:add(f_att_owner, tvb:range(off, 1))
    t:add(f_att_type, tvb:range(off + 1, 1))
    local r1 = t:add(f_att_reserved, tvb:range(off + 2, 2))
    if tvb:range(off + 2, 2):uint() ~= 0 then r1:add_proto_expert_info(ex.reserved) end
    t:add(f_att_version, tvb:range(off + 4, 4))
    local lt = add_lifetime(tvb, off + 8, t, pinfo)
    local r2 = t:add(f_att_reserved2, tvb:range(off + 10, 2))
    if tvb:range(off + 10, 2):uint() ~= 0 then r2:add_proto_expert_info(ex.reserved) end
    local stop = off + len
    local p = off + 12
    local reason
    if owner ~= K_MIPV6 and owner ~= K_PMIPV6 then
        reason = "attach_bad_owner"
    elseif aty ~= 1 and aty ~= 2 then
        reason = "attach_bad_type"
    end
    local keytext = ""
    if owner == K_MIPV6 then
        if stop - p < 16 then
            reason = reason or "attach_bad_key"
            if stop > p then t:add(f_ext_skipped, tvb:range(p, stop - p)) end
            p = stop
        else
            local kt = t:add(vrrpha, tvb:range(p, 16), "Key")
            local _, why = add_addr(tvb, p, kt, f_hoa, "Home Address")
            if why then reason = reason or "bad_hoa" end
            keytext = "HoA " .. tostring(tvb:range(p, 16):ipv6()) .. ", "
            p = p + 16
        end
    end
    if stop > p then
        local ot = t:add(vrrpha, tvb:range(p, stop - p), owner == K_PMIPV6 and "Key and value (mobility options)"
            or "Value (mobility options)")
        local list, err = options(tvb, p, stop, ot, pinfo)
        if owner == K_PMIPV6 then
            local k = {}
            for _, o in ipairs(list) do
                if o.type ~= OPT_PAD1 and o.type ~= OPT_PADN then k[#k + 1] = o end
            end
            if not (k[1] and k[1].type == OPT_MNID and k[2] and k[2].type == OPT_HNP) then
                reason = reason or "attach_bad_key"
            end
        end
        if err then reason = reason or "bad_options" end
    elseif owner == K_PMIPV6 then
        reason = reason or "attach_bad_key"
    end
    t:append_text(string.format(": %s, %s, %sversion %d, lifetime %d (%d s)",
        attach_owner_names[owner] or ("owner " .. owner), attach_type_names[aty] or ("type " .. aty), keytext,
        tvb:range(off + 4, 4):uint(), lt, lt * 4))
    if reason then refuse(t, reason) end
end

---------------------------------------------------------------------------
-- framed sync records (docs/protocol.md "Framed sync")
---------------------------------------------------------------------------
local function zero_or_note(tvb, off, n, item)
    for i = 0, n - 1 do
        if tvb:range(off + i, 1):uint() ~= 0 then
            item:add_proto_expert_info(ex.reserved)
            return
        end
    end
end

-- first, n of a run of buckets: the receivers' range check (bad_range)
local function range_ok(first, n)
    return n >= 1 and first < BUCKETS and n <= BUCKETS - first
end

local function is_any(tvb, off)
    for i = 0, 15 do
        if tvb:range(off + i, 1):uint() ~= 0 then return false end
    end
    return true
end

local function is_linklocal(tvb, off)
    return tvb:range(off, 1):uint() == 0xfe and math.floor(tvb:range(off + 1, 1):uint() / 64) == 2
end

local function rec_request(tvb, off, len, t)
    t:set_text("REQUEST")
    local id = tvb:range(off, 4):uint()
    local what = tvb:range(off + 4, 1):uint()
    local flags = tvb:range(off + 6, 2):uint()
    t:add(F.req_id, tvb:range(off, 4))
    t:add(F.req_what, tvb:range(off + 4, 1))
    t:add(F.req_table, tvb:range(off + 5, 1))
    local fi = t:add(F.req_flags, tvb:range(off + 6, 2))
    fi:add(F.req_full, tvb:range(off + 6, 2))
    if flags - flags % 2 ~= 0 then fi:add_proto_expert_info(ex.reserved) end
    t:add(F.req_responder, tvb:range(off + 8, 16))
    local full = flags % 2 == 1
    local resp = tostring(tvb:range(off + 8, 16):ipv6())
    local wname = req_what_names[what] or ("what " .. what)
    local sum = string.format("%s%s to %s id %d", wname, full and " full" or "", resp, id)
    t:append_text(": " .. sum)
    if what ~= 1 and what ~= 2 then
        refuse(t, "bad_request", "what is " .. what .. ", not 1 (records) or 2 (digests)")
    elseif not is_any(tvb, off + 8) and not is_linklocal(tvb, off + 8) then
        refuse(t, "bad_request", "responder is neither :: (the master) nor a link-local address")
    end
    return "REQUEST " .. sum
end

local function rec_sync(tvb, off, len, t)
    t:set_text("SYNC")
    local id = tvb:range(off, 4):uint()
    local phase = tvb:range(off + 4, 1):uint()
    local flags = tvb:range(off + 6, 2):uint()
    local recs = tvb:range(off + 8, 4):uint()
    t:add(F.sync_id, tvb:range(off, 4))
    t:add(F.sync_phase, tvb:range(off + 4, 1))
    t:add(F.sync_table, tvb:range(off + 5, 1))
    local fi = t:add(F.sync_flags, tvb:range(off + 6, 2))
    fi:add(F.sync_full, tvb:range(off + 6, 2))
    fi:add(F.sync_merge, tvb:range(off + 6, 2))
    if flags >= 4 then fi:add_proto_expert_info(ex.reserved) end
    t:add(F.sync_records, tvb:range(off + 8, 4))
    local ri = t:add(F.sync_reserved, tvb:range(off + 12, 4))
    zero_or_note(tvb, off + 12, 4, ri)
    local pname = sync_phase_names[phase] or ("phase " .. phase)
    local fl = {}
    if flags % 2 == 1 then fl[#fl + 1] = "full" end
    if bit_set(flags, 2) then fl[#fl + 1] = "merge" end
    local sum = string.format("%s id %d%s%s, %s %d", pname, id, id == 0 and " (unsolicited)" or "",
        #fl > 0 and (" " .. table.concat(fl, " ")) or "", phase == 1 and "live entries" or "sent", recs)
    t:append_text(": " .. sum)
    if phase ~= 1 and phase ~= 2 then refuse(t, "bad_sync", "phase is " .. phase .. ", not 1 (START) or 2 (END)") end
    return string.format("SYNC %s id %d%s n=%d", pname, id, #fl > 0 and (" " .. table.concat(fl, " ")) or "", recs)
end

local function rec_digest(tvb, off, len, t)
    t:set_text("DIGEST")
    local first, n = tvb:range(off, 2):uint(), tvb:range(off + 2, 2):uint()
    local cnt = tvb:range(off + 4, 4):uint()
    t:add(F.dig_first, tvb:range(off, 2))
    t:add(F.dig_n, tvb:range(off + 2, 2))
    t:add(F.dig_count, tvb:range(off + 4, 4))
    t:add(F.dig_sum, tvb:range(off + 8, 8))
    t:append_text(string.format(": buckets %d+%d, %d live entr%s, sum 0x%s", first, n, cnt, cnt == 1 and "y" or "ies",
        tostring(tvb:range(off + 8, 8):bytes()):lower()))
    if not range_ok(first, n) then
        refuse(t, "bad_range", string.format("buckets %d+%d are not inside 0..%d", first, n, BUCKETS - 1))
    end
    return string.format("DIGEST %d+%d n=%d", first, n, cnt)
end

local function rec_range(tvb, off, len, t)
    t:set_text("RANGE")
    local first, n = tvb:range(off, 2):uint(), tvb:range(off + 2, 2):uint()
    t:add(F.range_first, tvb:range(off, 2))
    t:add(F.range_n, tvb:range(off + 2, 2))
    t:append_text(string.format(": buckets %d+%d", first, n))
    if not range_ok(first, n) then
        refuse(t, "bad_range", string.format("buckets %d+%d are not inside 0..%d", first, n, BUCKETS - 1))
    end
    return string.format("RANGE %d+%d", first, n)
end

local function rec_table(tvb, off, len, t)
    t:set_text("TABLE")
    local vs, ss = tvb:range(off + 1, 1):uint(), tvb:range(off + 2, 1):uint()
    local prio, cnt = tvb:range(off + 3, 1):uint(), tvb:range(off + 4, 4):uint()
    t:add(F.tab_kind, tvb:range(off, 1))
    t:add(F.tab_vrrp, tvb:range(off + 1, 1))
    t:add(F.tab_sync, tvb:range(off + 2, 1))
    t:add(F.tab_prio, tvb:range(off + 3, 1))
    t:add(F.tab_count, tvb:range(off + 4, 4))
    t:add(F.tab_sum, tvb:range(off + 8, 8))
    local fi = t:add(F.tab_flags, tvb:range(off + 16, 4))
    zero_or_note(tvb, off + 16, 4, fi)
    local ri = t:add(F.tab_reserved, tvb:range(off + 20, 4))
    zero_or_note(tvb, off + 20, 4, ri)
    local sum = string.format("%s %s prio %d n=%d", vrrp_state_names[vs] or ("state " .. vs),
        sync_state_names[ss] or ("sync " .. ss), prio, cnt)
    t:append_text(": " .. sum .. string.format(", digest 0x%s", tostring(tvb:range(off + 8, 8):bytes()):lower()))
    return "TABLE " .. sum
end

-- SWITCH (kind 12): the receivers' rules (bad_switch)
local function rec_switch(tvb, off, len, t)
    t:set_text("SWITCH")
    local op, status, id = tvb:range(off, 1):uint(), tvb:range(off + 2, 2):uint(), tvb:range(off + 4, 4):uint()
    local flags = tvb:range(off + 11, 1):uint()
    t:add(F.sw_op, tvb:range(off, 1))
    t:add(F.sw_vrrp, tvb:range(off + 1, 1))
    t:add(F.sw_status, tvb:range(off + 2, 2))
    t:add(F.sw_id, tvb:range(off + 4, 4))
    t:add(F.sw_prio, tvb:range(off + 8, 1))
    t:add(F.sw_eff, tvb:range(off + 9, 1))
    t:add(F.sw_sync, tvb:range(off + 10, 1))
    local fi = t:add(F.sw_flags, tvb:range(off + 11, 1))
    fi:add(F.sw_in_sync, tvb:range(off + 11, 1))
    fi:add(F.sw_held, tvb:range(off + 11, 1))
    t:add(F.sw_count, tvb:range(off + 12, 4))
    t:add(F.sw_sum, tvb:range(off + 16, 8))
    t:add(F.sw_target, tvb:range(off + 24, 16))
    local target = tvb:range(off + 24, 16):ipv6()
    local any = tostring(target) == "::"
    local ll = tvb:range(off + 24, 1):uint() == 0xfe and tvb:range(off + 25, 1):uint() >= 0x80
        and tvb:range(off + 25, 1):uint() < 0xc0
    local reply = op == 4 or op == 6
    local why
    if op < 1 or op > 6 then why = "unknown op"
    elseif id == 0 then why = "id 0"
    elseif flags >= 4 then why = "unknown flag"
    elseif not reply and status ~= 0 then why = "a status in a request"
    elseif any and op ~= 1 then why = "target :: outside a Hello Request"
    elseif not any and not ll then why = "target not link-local" end
    local sum = string.format("%s id %d", sw_op_names[op] or ("op " .. op), id)
    if reply then sum = sum .. string.format(" status %d", status) end
    t:append_text(": " .. sum .. (any and "" or (" to " .. tostring(target))))
    if why then refuse(t, "bad_switch", why) end
    return "SWITCH " .. sum
end

-- KEYS (kind 13)
local function rec_keys(tvb, off, len, t)
    t:set_text("KEYS")
    t:add(F.keys_kind, tvb:range(off, 1))
    local fi = t:add(F.keys_flags, tvb:range(off + 1, 1))
    fi:add(F.keys_none, tvb:range(off + 1, 1))
    local _, why = add_addr(tvb, off + 4, t, F.keys_hoa, "Home Address")
    local none = tvb:range(off + 1, 1):uint() % 2 == 1
    t:append_text(": " .. tostring(tvb:range(off + 4, 16):ipv6()) .. (none and " (no such binding)" or ""))
    if tvb:range(off, 1):uint() ~= K_MIPV6 or tvb:range(off + 1, 1):uint() >= 2 then
        refuse(t, "bad_request", "table kind or flags")
    elseif why then
        refuse(t, "bad_hoa")
    end
    return none and "KEYS(none)" or "KEYS"
end

-- MAGSW (kind 14): the receivers' rules (bad_magsw)
local function rec_magsw(tvb, off, len, t)
    t:set_text("MAGSW")
    local op, status, fl = tvb:range(off, 1):uint(), tvb:range(off + 1, 1):uint(), tvb:range(off + 2, 2):uint()
    local id = tvb:range(off + 4, 4):uint()
    t:add(F.ms_op, tvb:range(off, 1))
    t:add(F.ms_status, tvb:range(off + 1, 1))
    t:add(F.ms_flags, tvb:range(off + 2, 2))
    t:add(F.ms_id, tvb:range(off + 4, 4))
    local _, bad = add_addr(tvb, off + 8, t, F.ms_mag, "MAG address")
    t:add(F.ms_mag4, tvb:range(off + 24, 4))
    t:add(F.ms_count, tvb:range(off + 28, 4))
    t:add(F.ms_sum, tvb:range(off + 32, 8))
    local reply = op == 1 or op == 4
    local why
    if op > 5 then why = "unknown op"
    elseif id == 0 then why = "id 0"
    elseif fl ~= 0 then why = "flags not 0"
    elseif not reply and status ~= 0 then why = "a status in a request"
    elseif bad then why = "MAG address " .. bad end
    local sum = string.format("%s id %d MAG %s", magsw_op_names[op] or ("op " .. op), id,
        tostring(tvb:range(off + 8, 16):ipv6()))
    if reply then sum = sum .. string.format(" status %d", status) end
    t:append_text(": " .. sum)
    if why then refuse(t, "bad_magsw", why) end
    return "MAGSW " .. sum
end

---------------------------------------------------------------------------
-- messages
---------------------------------------------------------------------------
local function malformed(tree, text, tvb, off)
    local it
    if tvb and off and off < tvb:len() then
        it = tree:add(f_ext_trailing, tvb:range(off, tvb:len() - off))
        it:set_text("Undecoded bytes")
    else
        it = tree
    end
    it:add_proto_expert_info(ex.malformed, text)
end

-- common VRRP header bytes 0-1
local function header(tvb, tree, pinfo)
    tree:add(f_version, tvb:range(0, 1))
    tree:add(f_type, tvb:range(0, 1))
    local ver = math.floor(tvb:range(0, 1):uint() / 16)
    if ver ~= 3 then tree:add_proto_expert_info(ex.bad_version, string.format("Version %d, not 3 (bad_version)", ver)) end
    if tvb:len() >= 2 then tree:add(f_vrid, tvb:range(1, 1)) end
end

local function checksum(tvb, tree, pinfo)
    local it = tree:add(f_checksum, tvb:range(6, 2))
    if not vrrpha.prefs.check_checksum then return end
    if tvb:len() ~= tvb:reported_length_remaining() then
        tree:add(f_checksum_status, "Unverified (truncated capture)"):set_generated()
        return
    end
    local src, dst
    local s6, d6 = { f_ipv6_src() }, { f_ipv6_dst() }
    local s4, d4 = { f_ip_src() }, { f_ip_dst() }
    if #s6 > 0 and #d6 > 0 then
        src, dst = s6[#s6], d6[#d6]
    elseif #s4 > 0 and #d4 > 0 then
        src, dst = s4[#s4], d4[#d4]
    end
    if not (src and dst and src.range and dst.range) then
        tree:add(f_checksum_status, "Unverified (no IP header)"):set_generated()
        return
    end
    local sum = 0
    local function words(r)
        local n = r:len()
        for i = 0, n - 2, 2 do sum = sum + r:range(i, 2):uint() end
        if n % 2 == 1 then sum = sum + r:range(n - 1, 1):uint() * 256 end
    end
    words(src.range)
    words(dst.range)
    local n = tvb:len()
    sum = sum + math.floor(n / 65536) + n % 65536 + 112
    words(tvb:range(0, n))
    while sum > 0xffff do sum = math.floor(sum / 65536) + sum % 65536 end
    if sum == 0xffff then
        it:append_text(" [correct]")
        tree:add(f_checksum_status, "Good"):set_generated()
    else
        local want = 0xffff - ((sum + 0xffff - tvb:range(6, 2):uint()) % 0xffff)
        it:append_text(string.format(" [incorrect, should be 0x%04x]", want))
        tree:add(f_checksum_status, "Bad"):set_generated()
        it:add_proto_expert_info(ex.checksum)
    end
end

local function dissect_request(tvb, pinfo, tree)
    local n = tvb:len()
    pinfo.cols.info:set(string.format("VRRP_BC_REQUEST vrid %d", tvb:range(1, 1):uint()))
    tree:append_text(", VRRP_BC_REQUEST")
    tree:add(f_unused1, tvb:range(2, 1))
    tree:add(f_unused2, tvb:range(3, 1))
    tree:add(f_rsvd, tvb:range(4, 2))
    tree:add(f_unused_w, tvb:range(4, 2)):set_text(string.format("UNUSED 3: 0x%03x", tvb:range(4, 2):uint() % 0x1000))
    if tvb:range(2, 4):uint() ~= 0 then tree:add_proto_expert_info(ex.reserved) end
    checksum(tvb, tree, pinfo)
    if n ~= HDR_LEN then
        malformed(tree, string.format("VRRP_BC_REQUEST is exactly 8 bytes, this one is %d (bad_length)", n), tvb, HDR_LEN)
    end
end

local function dissect_update(tvb, pinfo, tree)
    local n = tvb:len()
    local count = tvb:range(3, 1):uint()
    tree:add(f_unused1, tvb:range(2, 1))
    if tvb:range(2, 1):uint() ~= 0 then tree:add_proto_expert_info(ex.reserved) end
    local ci = tree:add(f_count, tvb:range(3, 1))
    tree:add(f_rsvd, tvb:range(4, 2))
    tree:add(f_unused_w, tvb:range(4, 2)):set_text(string.format("UNUSED 2: 0x%03x", tvb:range(4, 2):uint() % 0x1000))
    if tvb:range(4, 2):uint() ~= 0 then tree:add_proto_expert_info(ex.reserved) end
    checksum(tvb, tree, pinfo)
    local info = string.format("VRRP_BC_UPDATE vrid %d, %d binding%s", tvb:range(1, 1):uint(), count,
        count == 1 and "" or "s")
    tree:append_text(", VRRP_BC_UPDATE, " .. count .. " binding" .. (count == 1 and "" or "s"))
    if count == 0 then ci:add_proto_expert_info(ex.zero_count) end
    local have = math.floor((n - HDR_LEN) / REC_LEN)
    if n ~= HDR_LEN + REC_LEN * count then
        ci:add_proto_expert_info(ex.malformed, string.format(
            "Length %d is not 8 + 40 x %d = %d (bad_length: receivers drop the packet)", n, count,
            HDR_LEN + REC_LEN * count))
    end
    local shown = math.min(have, count)
    local deletes, bad_recs = 0, 0
    for i = 1, shown do
        local off = HDR_LEN + (i - 1) * REC_LEN
        local t, _, sum, refused = binding40(tvb, off, tree, pinfo, "Binding " .. i, BC_REASONS)
        if tvb:range(off, 2):uint() == 0 then deletes = deletes + 1 end
        if refused then
            refuse(t, refused)
            bad_recs = bad_recs + 1
        end
        if count == 1 then info = info .. ": " .. sum end
    end
    local used = HDR_LEN + shown * REC_LEN
    if used < n then
        malformed(tree, string.format("%d bytes after %d whole binding record%s", n - used, shown,
            shown == 1 and "" or "s"), tvb, used)
    end
    if deletes > 0 and count > 1 then info = info .. string.format(" (%d delete%s)", deletes, deletes == 1 and "" or "s") end
    if bad_recs > 0 then info = info .. string.format(" [%d record%s refused]", bad_recs, bad_recs == 1 and "" or "s") end
    if count == 0 or n ~= HDR_LEN + REC_LEN * count then info = info .. " [malformed]" end
    pinfo.cols.info:set(info)
end

local decoders = { [K_CAPS] = rec_caps, [K_MIPV6] = rec_mipv6, [K_NEW] = rec_new, [K_PMIPV6] = rec_pmipv6,
    [K_ATTACH] = rec_attach, [K_REQUEST] = rec_request, [K_SYNC] = rec_sync, [K_DIGEST] = rec_digest,
    [K_RANGE] = rec_range, [K_TABLE] = rec_table, [K_SWITCH] = rec_switch, [K_KEYS] = rec_keys,
    [K_MAGSW] = rec_magsw }
-- kinds whose Info summary is the first record's even when there are more
local summarize_first = { [K_DIGEST] = true, [K_RANGE] = true }

-- The sections from off to the end of tvb, nsec of them (pass 1: structure
-- and the HoAs of NEW sections; pass 2: the records), under tree; their
-- summaries are appended to info. Returns true when the structure is bad
-- (receivers drop the message).
local function sections(tvb, pinfo, tree, off, nsec, info, first_index)
    local n = tvb:len()
    local secs = {}
    local problem
    while off < n do
        if #secs >= nsec then
            problem = { off = off, text = string.format("More sections than # Sections (%d) says (section_count)", nsec) }
            break
        end
        if n - off < 4 then
            problem = { off = off, text = string.format("%d trailing byte%s: not a section header (bad_length)",
                n - off, n - off == 1 and "" or "s") }
            break
        end
        local kind = tvb:range(off, 1):uint()
        local cnt = tvb:range(off + 1, 1):uint()
        local rlen = tvb:range(off + 2, 2):uint()
        local rem = n - off - 4
        local s = { off = off, kind = kind, count = cnt, len = rlen }
        secs[#secs + 1] = s
        if rlen > 0 and cnt > math.floor(rem / rlen) then
            s.bad = string.format("%d x %d bytes of records, only %d left (bad_length: receivers drop the packet)",
                cnt, rlen, rem)
            s.size = rem
            problem = { off = nil }
            break
        end
        if cnt == 0 then
            s.bad = "Count 0 (zero_count: receivers drop the packet)"
            problem = problem or { off = nil }
        end
        s.size = cnt * rlen
        off = off + 4 + s.size
    end
    if not problem and #secs < nsec and nsec > 0 then
        problem = { text = string.format("# Sections says %d, the packet holds %d (section_count)", nsec, #secs) }
    end

    local ctx = { new = {}, new_used = {}, new_items = {} }
    for _, s in ipairs(secs) do
        if s.kind == K_NEW and s.len == 16 and not s.bad then
            for i = 0, s.count - 1 do
                local o = s.off + 4 + i * 16
                if not unusable(tvb, o) then ctx.new[key16(tvb, o)] = true end
            end
        end
    end

    for i, s in ipairs(secs) do
        local kname = kind_names[s.kind] or string.format("unknown kind %d", s.kind)
        local st = tree:add(f_ext_section, tvb:range(s.off, 4 + s.size))
        st:set_text(string.format("Section %d: %s, %d record%s of %d bytes", i + first_index - 1, kname, s.count,
            s.count == 1 and "" or "s", s.len))
        st:add(f_ext_kind, tvb:range(s.off, 1))
        local cti = st:add(f_ext_count, tvb:range(s.off + 1, 1))
        st:add(f_ext_len, tvb:range(s.off + 2, 2))
        local dec = decoders[s.kind]
        local label = kname .. (s.count > 1 and ("x" .. s.count) or "")
        if s.bad then
            cti:add_proto_expert_info(ex.malformed, s.bad)
            if s.size > 0 then st:add(f_ext_skipped, tvb:range(s.off + 4, s.size)) end
            info[#info + 1] = label .. "(malformed)"
        elseif not dec then
            local it = st
            if s.size > 0 then it = st:add(f_ext_skipped, tvb:range(s.off + 4, s.size)) end
            if s.kind == K_AUTH then
                it:add_proto_expert_info(ex.unknown_kind, string.format("AUTH is only ever the first section of " ..
                    "a message: %d bytes skipped (unknown_kind)", s.size))
                info[#info + 1] = "AUTH(skipped)"
            else
                it:add_proto_expert_info(ex.unknown_kind, string.format(
                    "Unknown kind %d: %d bytes skipped (unknown_kind)", s.kind, s.size))
                info[#info + 1] = string.format("kind%d(skipped)", s.kind)
            end
        elseif s.len < kind_min[s.kind] or s.len > kind_max[s.kind] then
            local it = st
            if s.size > 0 then it = st:add(f_ext_skipped, tvb:range(s.off + 4, s.size)) end
            it:add_proto_expert_info(ex.bad_section_len, string.format(
                "%s records are %d..%d bytes, not %d: section skipped (bad_section_len)", kname, kind_min[s.kind],
                kind_max[s.kind], s.len))
            info[#info + 1] = label .. "(skipped)"
        else
            local tag, first_tag
            for r = 0, s.count - 1 do
                local ro = s.off + 4 + r * s.len
                local rt = st:add(f_ext_record, tvb:range(ro, s.len))
                tag = dec(tvb, ro, s.len, rt, pinfo, ctx) or tag
                first_tag = first_tag or tag
            end
            if tag and s.count == 1 then
                info[#info + 1] = tag
            elseif first_tag and summarize_first[s.kind] then
                info[#info + 1] = string.format("%s [%d records]", first_tag, s.count)
            else
                info[#info + 1] = label
            end
        end
    end
    for _, nw in ipairs(ctx.new_items) do
        if not nw.bad and not ctx.new_used[nw.key] then
            nw.item:add_proto_expert_info(ex.bad_record, "new_no_record: no usable MIPV6 record of this message " ..
                "has this Home Address")
        end
    end
    if problem and problem.text then malformed(tree, problem.text, tvb, problem.off) end
    return problem ~= nil
end

-- The AUTH section at byte 8 of a protected message (docs/auth.md "Wire
-- format"), then its payload: decoded for integrity (mode 2), shown as
-- bytes for encrypt (mode 1). Returns true when receivers drop it whatever
-- their keys (auth_malformed, or a mode / alg nobody configures).
local function dissect_auth(tvb, pinfo, tree, nsec, info)
    local n = tvb:len()
    local cnt = tvb:range(9, 1):uint()
    local rlen = tvb:range(10, 2):uint()
    local have = math.min(n - 8, 4 + AUTH_REC_LEN)
    local st = tree:add(f_ext_section, tvb:range(8, have))
    st:set_text(string.format("Section 1: AUTH, %d record%s of %d bytes", cnt, cnt == 1 and "" or "s", rlen))
    st:add(f_ext_kind, tvb:range(8, 1))
    local cti = st:add(f_ext_count, tvb:range(9, 1))
    local li = st:add(f_ext_len, tvb:range(10, 2))
    if cnt ~= 1 or rlen ~= AUTH_REC_LEN or n < AUTH_PAYLOAD_OFF then
        local it = cti
        if rlen ~= AUTH_REC_LEN then it = li end
        it:add_proto_expert_info(ex.malformed, string.format("An AUTH section is one record of 32 bytes, in a " ..
            "message longer than 44 bytes; this one: %d x %d bytes, message %d bytes (auth_malformed: receivers " ..
            "drop the packet)", cnt, rlen, n))
        if n > 12 then tree:add(f_ext_skipped, tvb:range(12, n - 12)) end
        info[#info + 1] = "AUTH(malformed)"
        return true
    end
    local off = 12
    local rt = st:add(f_ext_record, tvb:range(off, AUTH_REC_LEN))
    rt:set_text("AUTH")
    local key_id = tvb:range(off, 1):uint()
    local mode = tvb:range(off + 1, 1):uint()
    local alg = tvb:range(off + 2, 1):uint()
    local bad = false
    local ki = rt:add(F.auth_key_id, tvb:range(off, 1))
    if key_id == 0 then
        ki:add_proto_expert_info(ex.auth_bad, "Key ID 0: keys are 1..255 (auth_unknown_key on every receiver)")
        bad = true
    end
    local mi = rt:add(F.auth_mode, tvb:range(off + 1, 1))
    if not auth_mode_names[mode] then
        mi:add_proto_expert_info(ex.auth_bad, string.format("Mode %d: not 1 (encrypt) or 2 (integrity) " ..
            "(auth_mode_mismatch on every receiver)", mode))
        bad = true
    end
    local ai = rt:add(F.auth_alg, tvb:range(off + 2, 1))
    if not auth_alg_names[alg] then
        ai:add_proto_expert_info(ex.auth_bad, string.format("Algorithm %d: not 1 (AES-256-GCM) or 2 " ..
            "(ChaCha20-Poly1305) (auth_mode_mismatch on every receiver)", alg))
        bad = true
    end
    local ri = rt:add(F.auth_reserved, tvb:range(off + 3, 5))
    if tostring(tvb:range(off + 3, 5):bytes()) ~= "0000000000" then
        ri:add_proto_expert_info(ex.auth_bad, "Reserved bytes 15..19 not 0 (auth_malformed: receivers drop it)")
        bad = true
    end
    local epoch, counter = tvb:range(off + 8, 4):uint(), tvb:range(off + 12, 4):uint()
    local si = rt:add(F.auth_seq, tvb:range(off + 8, 8))
    si:append_text(string.format(" (%d:%d)", epoch, counter))
    local ei = si:add(F.auth_epoch, tvb:range(off + 8, 4))
    if epoch >= 946684800 and epoch < 253402300800 then -- a wall-clock epoch (docs/auth.md "Epoch")
        ei:append_text(" (" .. os.date("!%Y-%m-%d %H:%M:%S UTC", epoch) .. ")")
    end
    si:add(F.auth_counter, tvb:range(off + 12, 4))
    rt:add(F.auth_tag, tvb:range(off + 16, 16))
    local mname = auth_mode_names[mode] or ("mode " .. mode)
    local sum = string.format("%s %s key %d seq %d:%d", mname, auth_alg_names[alg] or ("alg " .. alg), key_id,
        epoch, counter)
    rt:append_text(": " .. sum)
    local plen = n - AUTH_PAYLOAD_OFF
    local itag = string.format("AUTH %s key %d seq %d:%d", mname, key_id, epoch, counter)
    if nsec < 2 then
        tree:add_proto_expert_info(ex.malformed, string.format("# Sections is %d: a protected message has the " ..
            "AUTH section and at least one more (auth_malformed: receivers drop the packet)", nsec))
        bad = true
    end
    if plen == 0 then
        tree:add_proto_expert_info(ex.malformed, "No payload after the AUTH section (auth_malformed: receivers " ..
            "drop the packet)")
        info[#info + 1] = itag .. ", no payload"
        return true
    end
    tree:add(F.auth_payload_len, tvb:range(AUTH_PAYLOAD_OFF, plen), plen):set_generated()
    if mode == 1 then
        local pi = tree:add(F.auth_payload, tvb:range(AUTH_PAYLOAD_OFF, plen))
        pi:set_text(string.format("Encrypted payload (%d bytes, %d section%s)", plen, nsec - 1,
            nsec - 1 == 1 and "" or "s"))
        pi:add_proto_expert_info(ex.encrypted)
        info[#info + 1] = string.format("%s: encrypted payload (%d bytes)", itag, plen)
        return bad
    end
    if mode ~= 2 then
        tree:add(f_ext_skipped, tvb:range(AUTH_PAYLOAD_OFF, plen)):set_text(string.format(
            "Payload of unknown mode %d (%d bytes)", mode, plen))
        info[#info + 1] = string.format("%s: payload (%d bytes)", itag, plen)
        return true
    end
    info[#info + 1] = itag .. ":"
    local pt = tree:add(vrrpha, tvb:range(AUTH_PAYLOAD_OFF, plen), string.format(
        "Payload in clear (integrity): %d bytes, %d section%s", plen, nsec - 1, nsec - 1 == 1 and "" or "s"))
    return sections(tvb, pinfo, pt, AUTH_PAYLOAD_OFF, math.max(nsec - 1, 0), info, 2) or bad
end

local function dissect_ext(tvb, pinfo, tree)
    local n = tvb:len()
    local vrid = tvb:range(1, 1):uint()
    local ev = tvb:range(2, 1):uint()
    local nsec = tvb:range(3, 1):uint()
    local evi = tree:add(f_ext_version, tvb:range(2, 1))
    local nsi = tree:add(f_ext_nsections, tvb:range(3, 1))
    local ri = tree:add(f_ext_reserved, tvb:range(4, 2))
    if tvb:range(4, 2):uint() ~= 0 then ri:add_proto_expert_info(ex.reserved) end
    checksum(tvb, tree, pinfo)
    -- a protected message: the first section is AUTH (docs/auth.md)
    local protected = n >= 12 and tvb:range(8, 1):uint() == K_AUTH
    tree:append_text(string.format(", EXTENSION%s, %d section%s", protected and " (protected)" or "", nsec,
        nsec == 1 and "" or "s"))
    local info = {}
    refused_n = 0
    if ev ~= 1 then
        evi:add_proto_expert_info(ex.malformed, string.format("Ext Version %d, not 1 (bad_ext_version: " ..
            "receivers drop the packet)", ev))
    end
    if nsec == 0 then
        nsi:add_proto_expert_info(ex.malformed, "No section (zero_sections: receivers drop the packet)")
    end
    local problem
    if protected then
        problem = dissect_auth(tvb, pinfo, tree, nsec, info)
    else
        problem = sections(tvb, pinfo, tree, HDR_LEN, nsec, info, 1)
    end
    if refused_n > 0 then
        info[#info + 1] = string.format("[%d record%s refused]", refused_n, refused_n == 1 and "" or "s")
    end
    if problem or ev ~= 1 or nsec == 0 then info[#info + 1] = "[malformed]" end
    pinfo.cols.info:set(string.format("VRRP-HA EXTENSION vrid %d: %s", vrid,
        #info > 0 and table.concat(info, " ") or "(no section)"))
end

---------------------------------------------------------------------------
-- registration: take IP protocol 112, give back what is not ours
---------------------------------------------------------------------------
local ip_proto = DissectorTable.get("ip.proto")
local vrrp = Dissector.get("vrrp")
if not vrrp then
    local d = ip_proto:get_dissector(112)
    -- never keep ourselves (this script loaded twice) as the fallback
    if d and tostring(d):lower() ~= "vrrpha" then vrrp = d end
end
local data = Dissector.get("data")

local function ours(tvb)
    if tvb:len() < 1 then return false end
    local ty = tvb:range(0, 1):uint() % 16
    return ty == TYPE_EXT or ty == TYPE_BC_REQUEST or ty == TYPE_BC_UPDATE
end

function vrrpha.dissector(tvb, pinfo, root)
    if not ours(tvb) then
        if vrrp then return vrrp:call(tvb, pinfo, root) end
        return data:call(tvb, pinfo, root)
    end
    pinfo.cols.protocol:set("VRRP-HA")
    local tree = root:add(vrrpha, tvb:range(0, tvb:len()))
    local ty = tvb:range(0, 1):uint() % 16
    local ok, err = pcall(function()
        header(tvb, tree, pinfo)
        if tvb:reported_length_remaining() > tvb:len() then tree:add_proto_expert_info(ex.truncated) end
        if tvb:len() < HDR_LEN then
            pinfo.cols.info:set(string.format("%s (truncated)", ty == TYPE_EXT and "VRRP-HA EXTENSION" or type_names[ty]))
            malformed(tree, string.format("%d bytes: shorter than the 8-byte header (too_short)", tvb:len()))
            return
        end
        if ty == TYPE_BC_REQUEST then
            dissect_request(tvb, pinfo, tree)
        elseif ty == TYPE_BC_UPDATE then
            dissect_update(tvb, pinfo, tree)
        else
            dissect_ext(tvb, pinfo, tree)
        end
    end)
    if not ok then
        tree:add_proto_expert_info(ex.internal, "VRRP-HA dissector internal error: " .. tostring(err))
    end
    return tvb:len()
end

ip_proto:add(112, vrrpha)
