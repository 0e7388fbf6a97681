package io.contrastream.model.method.moco;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.loss.InfoNceLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.KeyQueue;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.MomentumCopy;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.ParameterIO;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * MoCo v1 (He et al., CVPR 2020, arXiv:1911.05722) and MoCo v2 (Chen et al., 2020,
 * arXiv:2003.04297): a query encoder trained by InfoNCE against a momentum key encoder and a queue
 * of past keys.
 *
 * <pre>{@code
 * MoCo moco = new MoCo(true, MoCo.V2.defaults(), EncoderConfig.smallResNet(1, 28));
 * StepResult s = moco.step(batch);   // view 0 → queries, view 1 → keys
 * }</pre>
 *
 * <p>v1: linear 128-d head, τ = 0.07, MoCo v1's augmentation. v2: 2-layer MLP head, τ = 0.2, blur
 * added to the augmentation, cosine schedule. One step: q = g_q(f_q(x₁)); k = g_k(f_k(x₂)) without
 * gradient; loss InfoNCE over [q·k₊, q·queue]; update θ_q; θ_k ← m·θ_k + (1 − m)·θ_q; enqueue k.
 * Shuffling BN is a multi-device remedy; here the key encoder runs on the whole batch in one pass.
 */
public final class MoCo extends AbstractRecipe {
    /** He et al. 2020. */
    public static final MethodSpec V1 = MethodSpec.builder("moco-v1", (p, enc, d) -> new MoCo(false, p, enc, d))
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, RecipeParams.QUEUE, List.of(RecipeParams.TEMPERATURE))
            // He et al. 2020: tau 0.07, linear fc head, SGD
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.07).set(RecipeParams.PROJ_LAYERS, 1)
                    .set(RecipeParams.PROJ_BN, false).set(OptimizerParams.WEIGHT_DECAY, 1e-4))
            .augmentation((p, enc) -> Augmentations.mocoV1(enc.inputSize(), enc.inChannels() == 1))
            .build();
    /** Chen et al. 2020. */
    public static final MethodSpec V2 = MethodSpec.builder("moco-v2", (p, enc, d) -> new MoCo(true, p, enc, d))
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, RecipeParams.QUEUE, List.of(RecipeParams.TEMPERATURE))
            // Chen et al. 2020: tau 0.2, MLP head, cosine schedule
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.2).set(RecipeParams.PROJ_LAYERS, 2)
                    .set(RecipeParams.PROJ_BN, false).set(OptimizerParams.WEIGHT_DECAY, 1e-4))
            .augmentation((p, enc) -> Augmentations.mocoV2(enc.inputSize(), enc.inChannels() == 1))
            .build();

    private final Block query; // f_q then g_q
    private final MomentumCopy key; // f_k then g_k
    private final KeyQueue queue;
    private final InfoNceLoss loss;
    private final float keyMomentum;
    private NDArray pendingKeys;

    public MoCo(boolean v2, Params params, EncoderConfig enc) {
        this(v2, params, enc, null);
    }

    public MoCo(boolean v2, Params params, EncoderConfig enc, ai.djl.Device device) {
        super(v2 ? V2 : V1, params, enc, device);
        int dim = params.get(RecipeParams.PROJ_DIM);
        this.query = withEncoder(registerHead(projector(enc.outDim())));
        this.key = momentumCopy(query, () -> projector(enc.outDim()));
        if (params.get(OptimizerParams.BATCH) > params.get(RecipeParams.QUEUE_SIZE)) {
            throw new IllegalArgumentException("MoCo needs queue-size >= batch (each step enqueues a batch of keys): got"
                    + " queue-size " + params.get(RecipeParams.QUEUE_SIZE) + ", batch " + params.get(OptimizerParams.BATCH));
        }
        this.queue = new KeyQueue(manager, params.get(RecipeParams.QUEUE_SIZE), dim, initRng.split());
        this.loss = new InfoNceLoss(params.get(RecipeParams.TEMPERATURE).floatValue());
        this.keyMomentum = params.get(RecipeParams.KEY_MOMENTUM).floatValue();
        initOptimizer();
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        NDArray xq = batch.view(sm, 0); // xq: N x C x H x W
        NDArray xk = batch.view(sm, 1); // xk: N x C x H x W
        NDArray k = noGrad(() -> forward(key.block(), sm, xk, true).normalize(2, 1, 1e-12)); // k: N x dim
        pendingKeys = k;
        NDArray q = forward(query, sm, xq, true); // q: N x dim
        return loss.compute(q, k, queue.keys());
    }

    @Override
    protected void afterUpdate(NDManager sm, ViewBatch batch) {
        key.update(keyMomentum);
        queue.enqueue(pendingKeys);
        pendingKeys = null;
    }

    @Override
    public java.util.Optional<KeyQueue> queue() {
        return java.util.Optional.of(queue);
    }

    /** The momentum copy (key encoder + head). */
    public MomentumCopy keyEncoder() {
        return key;
    }

    @Override
    protected void writeExtra(DataOutputStream out, boolean withQueue) throws IOException {
        ParameterIO.write(key.block(), out);
        if (withQueue) {
            queue.write(out);
        }
    }

    @Override
    protected void readExtra(DataInputStream in, boolean withQueue) throws IOException {
        ParameterIO.read(key.block(), in);
        if (withQueue) {
            queue.read(in);
        }
    }
}
