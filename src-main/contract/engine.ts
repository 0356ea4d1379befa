/** The evaluation engines: FP32 onnxruntime, fake-quant simulation, TypeScript integer reference, onnxruntime QDQ, native runtime. */
export type EngineKind = 'fp32' | 'sim' | 'int-ref' | 'ort-qdq' | 'native';
