package io.contrastream.model.method.simclr;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.loss.InfoNceLoss;
import io.contrastream.model.loss.NtXentLoss;
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
import java.util.Optional;

/**
 * SimCLR v2's pretraining (Chen et al., NeurIPS 2020, "Big Self-Supervised Models are Strong
 * Semi-Supervised Learners", arXiv:2006.10029): SimCLR with a deeper (3-layer) projector, fine-tuning
 * from the projector's first layer, and optionally MoCo's momentum encoder and queue.
 *
 * <pre>{@code
 * SimClrV2 r = new SimClrV2(SimClrV2.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));
 * StepResult s = r.step(batch);
 * float[][] h1 = r.embedProjectorLayer1(images, n);   // σ(BN(W_mlp·h)), the paper's fine-tuning input
 * }</pre>
 *
 * <p>One step: z = g(f([x₁; x₂])) in one pass. Without the momentum encoder ({@code
 * use-momentum-encoder=false}, the default) the loss is NT-Xent(z₁, z₂, τ) as in SimCLR. With it,
 * keys k = g′(f′([x₁; x₂])) come from an EMA copy without gradient, the loss is
 * (InfoNCE(z₁, k₂, queue) + InfoNCE(z₂, k₁, queue))/2 with the queue's keys as the negatives, and
 * after the update ξ ← m·ξ + (1 − m)·θ and both views' keys are enqueued (so queue-size ≥ 2·batch).
 * The paper adds the memory to SimCLR without giving its form; this is MoCo's, symmetrised.
 */
public final class SimClrV2 extends AbstractRecipe {
    /** Chen et al. 2020b. */
    public static final MethodSpec SPEC = MethodSpec.builder("simclr-v2", SimClrV2::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, RecipeParams.AUG, RecipeParams.QUEUE,
                    List.of(RecipeParams.TEMPERATURE, RecipeParams.USE_MOMENTUM_ENCODER))
            // Chen et al. 2020b: 3-layer projector with BN; momentum encoder optional
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.5).set(RecipeParams.PROJ_LAYERS, 3)
                    .set(RecipeParams.PROJ_BN, true).set(OptimizerParams.WEIGHT_DECAY, 1e-4)
                    .set(RecipeParams.USE_MOMENTUM_ENCODER, false))
            .augmentation((p, enc) -> Augmentations.simclr(enc.inputSize(), p.get(RecipeParams.AUG_STRENGTH),
                    enc.inChannels() == 1))
            .build();

    private final Block projector;
    private final boolean momentumEncoder;
    private final NtXentLoss ntXent;
    private final InfoNceLoss infoNce;
    private final MomentumCopy key; // null without the momentum encoder
    private final KeyQueue queue; // null without the momentum encoder
    private final float keyMomentum;
    private NDArray pendingKeys;

    public SimClrV2(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public SimClrV2(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device);
        this.projector = registerHead(projector(enc.outDim()));
        float tau = params.get(RecipeParams.TEMPERATURE).floatValue();
        this.momentumEncoder = params.get(RecipeParams.USE_MOMENTUM_ENCODER);
        this.keyMomentum = params.get(RecipeParams.KEY_MOMENTUM).floatValue();
        if (momentumEncoder) {
            int batch = params.get(OptimizerParams.BATCH);
            if (2 * batch > params.get(RecipeParams.QUEUE_SIZE)) {
                throw new IllegalArgumentException("SimCLR v2 with a momentum encoder enqueues both views' keys: it"
                        + " needs queue-size >= 2 x batch, got queue-size " + params.get(RecipeParams.QUEUE_SIZE)
                        + ", batch " + batch);
            }
            this.key = momentumCopy(withEncoder(projector), () -> projector(enc.outDim()));
            this.queue = new KeyQueue(manager, params.get(RecipeParams.QUEUE_SIZE), params.get(RecipeParams.PROJ_DIM),
                    initRng.split());
            this.infoNce = new InfoNceLoss(tau);
            this.ntXent = null;
        } else {
            this.key = null;
            this.queue = null;
            this.infoNce = null;
            this.ntXent = new NtXentLoss(tau);
        }
        initOptimizer();
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        NDArray[] z = headOfBothViews(sm, batch, projector); // z[v]: N x dim
        if (!momentumEncoder) {
            return ntXent.compute(z[0], z[1]);
        }
        int n = batch.size();
        NDArray x = NDArrays.concat(new NDList(batch.view(sm, 0), batch.view(sm, 1)), 0); // x: 2N x C x H x W
        NDArray k = noGrad(() -> forward(key.block(), sm, x, true).normalize(2, 1, 1e-12)); // k: 2N x dim
        pendingKeys = k;
        NDArray k1 = k.get("0:{}", n); // k1: N x dim
        NDArray k2 = k.get("{}:", n); // k2: N x dim
        NDArray l12 = infoNce.compute(z[0], k2, queue.keys()); // scalar
        NDArray l21 = infoNce.compute(z[1], k1, queue.keys()); // scalar
        return l12.add(l21).mul(sm.create(0.5f));
    }

    /**
     * The first projector layer's output σ(BN(W_mlp·h)) of {@code n} images (flat N x C x H x W),
     * inference mode: N x proj-hidden (N x proj-dim for a 1-layer projector).
     */
    public float[][] embedProjectorLayer1(float[] images, int n) {
        try (NDManager sm = manager.newSubManager()) {
            NDArray a = noGrad(() -> {
                NDArray y = forward(encoder, sm, sm.create(images, imageShape(n)), false); // y: N x D
                for (Block b : Mlp.firstLayer(projector)) {
                    y = forward(b, sm, y, false); // y: N x hidden after the ReLU
                }
                return y;
            });
            return rows(a);
        }
    }

    public boolean hasMomentumEncoder() {
        return momentumEncoder;
    }

    @Override
    protected void afterUpdate(NDManager sm, ViewBatch batch) {
        if (momentumEncoder) {
            key.update(keyMomentum);
            queue.enqueue(pendingKeys);
            pendingKeys = null;
        }
    }

    @Override
    public Optional<KeyQueue> queue() {
        return Optional.ofNullable(queue);
    }

    @Override
    protected void writeExtra(DataOutputStream out, boolean withQueue) throws IOException {
        out.writeBoolean(momentumEncoder);
        if (momentumEncoder) {
            ParameterIO.write(key.block(), out);
            if (withQueue) {
                queue.write(out);
            }
        }
    }

    @Override
    protected void readExtra(DataInputStream in, boolean withQueue) throws IOException {
        if (in.readBoolean() != momentumEncoder) {
            throw new IOException("the state was written with use-momentum-encoder=" + !momentumEncoder
                    + " but this recipe has " + momentumEncoder);
        }
        if (momentumEncoder) {
            ParameterIO.read(key.block(), in);
            if (withQueue) {
                queue.read(in);
            }
        }
    }
}
