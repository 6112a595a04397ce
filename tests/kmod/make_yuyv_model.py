"""Writes the V4L2 test model: a YUYV 4:2:2 frame as uint8 [1,H,W,2] (Y, then U or V, per
pixel), dequantized to [0, 1] and averaged over the picture: output [1,2,1,1] holds the mean
luma and the mean chroma. It reads the camera's bytes exactly as V4L2 hands them over, so
`edgeml stream --v4l2` imports each buffer in place.
Usage: make_yuyv_model.py OUT.onnx WIDTH HEIGHT"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
frame = helper.make_tensor_value_info("frame", TensorProto.UINT8, [1, height, width, 2])
mean = helper.make_tensor_value_info("mean", TensorProto.FLOAT, [1, 2, 1, 1])
inits = [
    numpy_helper.from_array(np.array(1 / 255, np.float32), "scale"),
    numpy_helper.from_array(np.array(0, np.uint8), "zero"),
]
nodes = [
    helper.make_node("DequantizeLinear", ["frame", "scale", "zero"], ["level"]),
    helper.make_node("Transpose", ["level"], ["planar"], perm=[0, 3, 1, 2]),
    helper.make_node("GlobalAveragePool", ["planar"], ["mean"]),
]
graph = helper.make_graph(nodes, "yuyv_mean", [frame], [mean], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
onnx.checker.check_model(model)
onnx.save(model, out)
