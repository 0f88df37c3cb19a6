// A thin, typed wrapper over onnx-proto so the feature graph reads as a list of operators.
// Tensors are written as little-endian raw_data so the file bytes depend only on the values.
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;

type AttrValue = number | number[] | string | { floats: number[] };
export type Attrs = Record<string, AttrValue>;

export const OPSET = 17;

export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private counter = 0;

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, elemType: "uint8" | "float", dims: number[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, from: string, dims: number[]): void {
    this.op("Identity", [from], {}, name);
    this.outputs.push(valueInfo(name, "float", dims));
  }

  floats(values: number[] | Float32Array, dims: number[], prefix = "c"): string {
    const name = this.fresh(prefix);
    const arr = Float32Array.from(values);
    if (arr.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`constant ${name}: ${arr.length} values for dims ${dims}`);
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(arr.buffer.slice(0)) }),
    );
    return name;
  }

  scalar(v: number): string {
    return this.floats([v], []);
  }

  ints(values: number[], prefix = "i"): string {
    const name = this.fresh(prefix);
    const arr = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push(
      onnx.TensorProto.create({ name, dims: [values.length], dataType: DT.INT64, rawData: new Uint8Array(arr.buffer.slice(0)) }),
    );
    return name;
  }

  op(type: string, inputs: string[], attrs: Attrs = {}, outName?: string): string {
    const out = outName ?? this.fresh(type.toLowerCase());
    const attribute = Object.entries(attrs).map(([name, v]) => attr(name, v));
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: [out], name: out, attribute }));
    return out;
  }

  /** Op with several outputs (e.g. TopK). */
  opMulti(type: string, inputs: string[], attrs: Attrs, nOut: number): string[] {
    const outs = Array.from({ length: nOut }, () => this.fresh(type.toLowerCase()));
    const attribute = Object.entries(attrs).map(([name, v]) => attr(name, v));
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: outs, name: outs[0], attribute }));
    return outs;
  }

  encode(graphName: string, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: "claims-survey models/quality",
      producerVersion: "1",
      docString,
      opsetImport: [{ domain: "", version: OPSET }],
      graph: onnx.GraphProto.create({
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attr(name: string, v: AttrValue) {
  if (typeof v === "string") return onnx.AttributeProto.create({ name, type: AT.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: AT.INTS, ints: v });
  if (typeof v === "object") return onnx.AttributeProto.create({ name, type: AT.FLOATS, floats: v.floats });
  if (Number.isInteger(v)) return onnx.AttributeProto.create({ name, type: AT.INT, i: v });
  return onnx.AttributeProto.create({ name, type: AT.FLOAT, f: v });
}

function valueInfo(name: string, elemType: "uint8" | "float", dims: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: elemType === "uint8" ? DT.UINT8 : DT.FLOAT,
        shape: { dim: dims.map((d) => ({ dimValue: d })) },
      },
    },
  });
}
