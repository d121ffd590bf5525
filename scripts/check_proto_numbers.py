"""Checks that Lumen's .proto files use TensorBoard's field numbers and types.

Compiles Sources/LumenEvents/Protos with protoc into a descriptor set and compares every message and
enum with the one of the same name in the `tensorboard` package's compiled protos (TensorBoard's own
copies of TensorFlow's event.proto, summary.proto, tensor.proto, graph.proto, … and the hparams
plugin's). Exit status 0 when every field matches; prints each mismatch otherwise.
Run: .venv/bin/python scripts/check_proto_numbers.py
"""
import pathlib
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2
from tensorboard.compat.proto import (attr_value_pb2, event_pb2, graph_pb2, histogram_pb2, node_def_pb2, summary_pb2,
                                      tensor_pb2, tensor_shape_pb2, types_pb2, versions_pb2)
from tensorboard.compat.proto import config_pb2, step_stats_pb2
from tensorboard.plugins.audio import plugin_data_pb2 as audio_plugin_data_pb2
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
from tensorboard.plugins.pr_curve import plugin_data_pb2 as pr_curve_plugin_data_pb2

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTOS = ROOT / "Sources" / "LumenEvents" / "Protos"
REFERENCE_MODULES = [types_pb2, histogram_pb2, tensor_shape_pb2, tensor_pb2, summary_pb2, event_pb2, graph_pb2, node_def_pb2,
                     attr_value_pb2, versions_pb2, api_pb2, plugin_data_pb2, config_pb2, step_stats_pb2,
                     audio_plugin_data_pb2, layout_pb2, pr_curve_plugin_data_pb2]


def reference_messages():
    messages, enums = {}, {}

    def add(descriptor, prefix):
        name = prefix + descriptor.name
        messages[name] = descriptor
        for nested in descriptor.nested_types:
            add(nested, name + ".")
        for enum in descriptor.enum_types:
            enums[name + "." + enum.name] = enum

    for module in REFERENCE_MODULES:
        prefix = "hparams." if module.DESCRIPTOR.package.endswith("hparams") else ""
        for message in module.DESCRIPTOR.message_types_by_name.values():
            add(message, prefix)
        for enum in module.DESCRIPTOR.enum_types_by_name.values():
            enums[prefix + enum.name] = enum
    return messages, enums


def our_descriptors():
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "set.pb"
        protoc_include = pathlib.Path(subprocess.check_output(["which", "protoc"], text=True).strip()).parent.parent / "include"
        subprocess.check_call(["protoc", f"-I{PROTOS}", f"-I{protoc_include}", "--include_imports",
                               f"--descriptor_set_out={out}", *sorted(str(p) for p in PROTOS.glob("*.proto"))])
        fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    messages, enums = {}, {}

    def add(message, prefix):
        name = prefix + message.name
        messages[name] = message
        for nested in message.nested_type:
            if not nested.options.map_entry:
                add(nested, name + ".")
        for enum in message.enum_type:
            enums[name + "." + enum.name] = enum

    for file in fds.file:
        if file.name.startswith("google/"):
            continue
        prefix = "hparams." if file.package.endswith("hparams") else ""
        for message in file.message_type:
            add(message, prefix)
        for enum in file.enum_type:
            enums[prefix + enum.name] = enum
    return messages, enums


def main():
    ref_messages, ref_enums = reference_messages()
    messages, enums = our_descriptors()
    problems, checked = [], 0
    for name, message in messages.items():
        ref = ref_messages.get(name)
        if ref is None:
            problems.append(f"{name}: no message of that name in TensorBoard's protos")
            continue
        ref_fields = {f.name: f for f in ref.fields}
        for field in message.field:
            checked += 1
            r = ref_fields.get(field.name)
            if r is None:
                problems.append(f"{name}.{field.name}: TensorBoard has no such field")
            elif r.number != field.number or r.type != field.type:
                problems.append(f"{name}.{field.name}: ours #{field.number} type {field.type}, "
                                f"TensorBoard's #{r.number} type {r.type}")
    for name, enum in enums.items():
        ref = ref_enums.get(name)
        if ref is None:
            problems.append(f"enum {name}: not in TensorBoard's protos")
            continue
        ref_values = {v.name: v.number for v in ref.values}
        for value in enum.value:
            checked += 1
            if ref_values.get(value.name) != value.number:
                problems.append(f"enum {name}.{value.name}: ours {value.number}, TensorBoard's {ref_values.get(value.name)}")
    for p in problems:
        print(p)
    print(f"{checked} fields and enum values checked, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
