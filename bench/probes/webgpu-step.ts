/**
 * Where a training step's time goes on a GPU backend: one step of the MLP (16-64-64-1) with each of the two
 * backward passes (`augmented`, `transposed`; see tasks/training/models/mlp.ts) and with tfjs's command-buffer
 * submit batch at its default (15) and at Convoy's (100), at batch 4,096 and (on a GPU) 262,144; each also without the
 * Adam update (`gradsOnlyMs`). Prints one JSON line per setting.
 *
 *   npx tsx bench/probes/webgpu-step.ts [--backend webgpu]
 *
 * It backs the choices in mlp.ts and backend.ts: on an H200 a step costs what its kernel launches cost (Adam per
 * parameter: 13.1 ms a step at batch 4,096 and at 262,144 alike), not what its arithmetic costs.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../tasks/training/adam.ts';
import { describeBackend, selectBackend, type BackendName } from '../../tasks/training/backend.ts';
import { MlpModel, type MlpBackward } from '../../tasks/training/models/mlp.ts';
import { parseModelSpec } from '../../tasks/training/models/index.ts';
import type { MlpSpec } from '../../tasks/training/models/model.ts';

const i = process.argv.indexOf('--backend');
const backend = (i > 0 ? process.argv[i + 1] : 'webgpu') as BackendName;
const choice = await selectBackend({ prefer: [backend] });
const spec = parseModelSpec({ kind: 'mlp', inputSize: 16, hidden: [64, 64], outputSize: 1 }) as MlpSpec;

/** Milliseconds per step: the best of two runs of 40 after a warm-up of 5, the loss read once at the end of each. */
async function msPerStep(model: MlpModel, adam: Adam | undefined, x: tf.Tensor2D, y: tf.Tensor2D): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    let loss: tf.Tensor | undefined;
    const steps = run === 0 ? 5 : 40; // the first run warms up (shader compilation)
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      loss?.dispose();
      loss = tf.tidy(() => {
        const r = model.lossAndGrads(x, y);
        if (adam) adam.apply(r.grads);
        return r.loss;
      });
    }
    await loss!.data();
    loss!.dispose();
    if (run > 0) best = Math.min(best, (performance.now() - t0) / steps);
  }
  return best;
}

const submitFlag = 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE';
const hasSubmitFlag = tf.env().getFlags()[submitFlag] !== undefined;
for (const submit of hasSubmitFlag ? [15, 100] : [undefined]) {
  if (submit !== undefined) tf.env().set(submitFlag, submit);
  for (const backward of ['augmented', 'transposed'] as MlpBackward[]) {
    const out: Record<string, unknown> = { backend: await describeBackend(choice), submitBatch: submit, backward };
    // 262,144 rows a step take over a second on a CPU backend: measured on GPUs only.
    for (const batch of backend === 'webgpu' || backend === 'tensorflow' ? [4096, 262_144] : [4096]) {
      const model = new MlpModel(spec, 1, backward);
      const adam = new Adam(model.params, 1e-3);
      const x = tf.randomNormal([batch, 16]) as tf.Tensor2D;
      const y = tf.sum(x, 1, true) as tf.Tensor2D;
      const stepMs = await msPerStep(model, adam, x, y);
      const gradsOnlyMs = await msPerStep(model, undefined, x, y);
      out[`b${batch}`] = { stepMs: Number(stepMs.toFixed(3)), gradsOnlyMs: Number(gradsOnlyMs.toFixed(3)), samplesPerS: Math.round(batch / (stepMs / 1000)) };
      model.dispose();
      adam.dispose();
      tf.dispose([x, y]);
    }
    console.log(JSON.stringify(out));
  }
}
process.exit(0);
