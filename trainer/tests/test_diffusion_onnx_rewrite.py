"""The sub-pixel rewrite of nearest-×2-upsample + 3×3 conv: same outputs, fewer operations, and
nothing rewritten that does not match the pattern exactly."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from selfguide_trainer.diffusion.onnx_rewrite import subpixel_upsample_convs


def _upsample_conv_model(conv_attrs: dict, scales=(1.0, 1.0, 2.0, 2.0), channels=(5, 7), readers_of_upsampled=1, seed=0):
    rng = np.random.default_rng(seed)
    c_in, c_out = channels
    weight = rng.standard_normal((c_out, c_in, 3, 3)).astype(np.float32)
    bias = rng.standard_normal(c_out).astype(np.float32)
    nodes = [
        helper.make_node("Constant", [], ["scales"], value=numpy_helper.from_array(np.array(scales, np.float32))),
        helper.make_node("Resize", ["x", "", "scales"], ["up"], mode="nearest", coordinate_transformation_mode="asymmetric",
                         nearest_mode="floor"),
        helper.make_node("Conv", ["up", "W", "b"], ["y"], name="conv", **conv_attrs),
    ]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", c_out, None, None])]
    if readers_of_upsampled > 1:
        nodes.append(helper.make_node("Relu", ["up"], ["up_relu"]))
        outputs.append(helper.make_tensor_value_info("up_relu", TensorProto.FLOAT, ["B", c_in, 12, 12]))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", c_in, 6, 6])], outputs,
                              [numpy_helper.from_array(weight, "W"), numpy_helper.from_array(bias, "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


PLAIN = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}


def _run(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})


def test_rewrite_gives_the_same_outputs_with_four_2x2_convs():
    model = _upsample_conv_model(PLAIN)
    x = np.random.default_rng(1).standard_normal((3, 5, 6, 6)).astype(np.float32)
    (expected,) = _run(model, x)
    rewritten = onnx.ModelProto()
    rewritten.CopyFrom(model)
    assert subpixel_upsample_convs(rewritten) == 1
    onnx.checker.check_model(rewritten)
    ops = [node.op_type for node in rewritten.graph.node]
    assert "Resize" not in ops and ops.count("Conv") == 4 and "DepthToSpace" in ops
    assert {t.name for t in rewritten.graph.initializer}.isdisjoint({"W"})  # the 3×3 kernel is gone, not left unused
    (got,) = _run(rewritten, x)
    assert got.shape == expected.shape == (3, 7, 12, 12)
    assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max()
    assert np.abs(expected).max() > 1.0  # a real signal


@pytest.mark.parametrize("conv_attrs, scales, readers", [
    ({**PLAIN, "strides": [2, 2]}, (1.0, 1.0, 2.0, 2.0), 1),            # strided conv
    ({"kernel_shape": [3, 3], "pads": [0, 0, 0, 0]}, (1.0, 1.0, 2.0, 2.0), 1),  # no padding
    (PLAIN, (1.0, 1.0, 3.0, 3.0), 1),                                   # ×3 upsample
    (PLAIN, (1.0, 1.0, 2.0, 2.0), 2),                                   # the upsampled map is read elsewhere too
])
def test_rewrite_leaves_other_patterns_alone(conv_attrs, scales, readers):
    model = _upsample_conv_model(conv_attrs, scales=scales, readers_of_upsampled=readers)
    before = model.SerializeToString()
    assert subpixel_upsample_convs(model) == 0
    assert model.SerializeToString() == before
