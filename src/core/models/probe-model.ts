// The smallest real model: y = x · I (MatMul, x [1, 8]), 361 bytes. Opening a session on it and
// running it tells whether an execution provider works, without depending on any registered model.
// Made with the onnx package: helper.make_graph([make_node('MatMul', ['x', 'w'], ['y'])], ...),
// w = eye(8) as an initializer, opset 13, IR version 7.
export const PROBE_MODEL = Buffer.from(
  'CAcSCXNlbGZndWlkZTrTAgoRCgF4CgF3EgF5IgZNYXRNdWwSBXByb2JlKowCCAgICBABQgF3SoACAACAPwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAACAPwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAPwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACA' +
    'PwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAPwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAPwAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAPwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAP1oTCgF4Eg4KDAgBEggKAggBCgIICGIT' +
    'CgF5Eg4KDAgBEggKAggBCgIICEIECgAQDQ==',
  'base64',
);
