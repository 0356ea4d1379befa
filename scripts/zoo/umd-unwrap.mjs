// Unwrap a TF.js model that a package ships as UMD JavaScript modules (nsfwjs bundles its
// models this way so that bundlers can import them): the first module's export is the model.json
// object, each further module's export is one weight shard as a base64 string.
// The modules run in an empty node:vm context (no require, process or globals beyond `module`,
// `exports`) with a time limit; the caller has already checked their sha256 against zoo.json.
import vm from 'node:vm';

function evalUmd(code, what) {
  const module = { exports: {} };
  const context = vm.createContext({ module, exports: module.exports });
  try {
    vm.runInContext(code, context, { timeout: 20_000, filename: what });
  } catch (e) {
    throw new Error(`${what}: evaluating the UMD module failed: ${e.message}`);
  }
  return module.exports;
}

/** bufs: [model module, ...shard modules] → [model.json bytes, ...shard bytes] */
export function unwrapUmdModel(bufs, what) {
  const [modelSrc, ...shardSrcs] = bufs;
  const model = evalUmd(modelSrc.toString('utf8'), `${what} model module`);
  if (typeof model !== 'object' || model === null || !model.modelTopology || !Array.isArray(model.weightsManifest)) {
    throw new Error(`${what}: the model module does not export a TF.js model.json object (modelTopology, weightsManifest)`);
  }
  const shards = shardSrcs.map((b, i) => {
    const s = evalUmd(b.toString('utf8'), `${what} shard ${i + 1}`);
    if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
      throw new Error(`${what}: shard module ${i + 1} does not export a base64 string`);
    }
    return Buffer.from(s, 'base64');
  });
  return [Buffer.from(JSON.stringify(model)), ...shards];
}
