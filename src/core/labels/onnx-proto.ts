// A minimal writer of ONNX ModelProto bytes, enough for the small fixed graphs the labels code runs
// through ONNX Runtime (distance steps, Gram matrices). Writing the protobuf by hand avoids a
// dependency on the onnx or protobufjs packages for graphs of a handful of nodes.
// Field numbers are those of onnx/onnx.proto (IR version 8, default domain opset 13).

export const ELEM_FLOAT = 1;
export const ELEM_INT64 = 7;
export const ELEM_UINT8 = 2;
export const ELEM_INT8 = 3;
export const ELEM_INT32 = 6;

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** operator set domain: '' (ONNX) unless a contrib op such as com.microsoft's MatMulIntegerToFloat */
  domain?: string;
  /** int and int-list attributes, FLOATs, and 1-D int64 TENSORs (a Constant node's `value`). */
  attrs?: Record<string, number | number[] | { float: number } | { int64s: number[] }>;
}

export interface OnnxValue {
  name: string;
  elemType: number;
  /** a number is a fixed size, a string a symbolic (dynamic) dimension */
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

/** Appends protobuf fields to a growing byte list. */
class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: number): void {
    // Values here are small non-negative integers or int64 attributes that may be negative (axes = -1):
    // negative int64 is written as its 10-byte two's-complement varint.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const buffer = new DataView(new ArrayBuffer(4));
    buffer.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.bytes.push(buffer.getUint8(i));
    return this;
  }

  bytesField(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    for (const byte of value) this.bytes.push(byte);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;

function writeNode(w: ProtoWriter, node: OnnxNode, index: number): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, `${node.op}_${index}`);
  w.string(4, node.op);
  if (node.domain) w.string(7, node.domain);
  for (const [name, value] of Object.entries(node.attrs ?? {})) {
    w.message(5, (a) => {
      a.string(1, name);
      if (Array.isArray(value)) {
        for (const item of value) a.int(8, item);
        a.int(20, ATTR_INTS);
      } else if (typeof value === 'number') {
        a.int(3, value).int(20, ATTR_INT);
      } else if ('int64s' in value) {
        // TensorProto: dims (1), data_type (2), int64_data (7)
        a.message(5, (t) => {
          t.int(1, value.int64s.length).int(2, ELEM_INT64);
          for (const item of value.int64s) t.int(7, item);
        }).int(20, ATTR_TENSOR);
      } else {
        a.float(2, value.float).int(20, ATTR_FLOAT);
      }
    });
  }
}

function writeValueInfo(w: ProtoWriter, value: OnnxValue): void {
  w.string(1, value.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, value.elemType);
      tensor.message(2, (shape) => {
        for (const dim of value.shape) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

/** Serializes a graph as an ONNX model that `InferenceSession.create(bytes)` loads. */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const writer = new ProtoWriter()
    .int(1, 8) // ir_version
    .string(2, 'selfguide')
    .message(7, (g) => {
      graph.nodes.forEach((node, index) => g.message(1, (n) => writeNode(n, node, index)));
      g.string(2, graph.name);
      for (const input of graph.inputs) g.message(11, (v) => writeValueInfo(v, input));
      for (const output of graph.outputs) g.message(12, (v) => writeValueInfo(v, output));
    })
    .message(8, (opset) => opset.string(1, '').int(2, 13));
  // Contrib domains (com.microsoft) are version 1 in ONNX Runtime.
  for (const domain of new Set(graph.nodes.flatMap((node) => (node.domain ? [node.domain] : [])))) {
    writer.message(8, (opset) => opset.string(1, domain).int(2, 1));
  }
  return writer.finish();
}
