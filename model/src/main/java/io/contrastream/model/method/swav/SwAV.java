package io.contrastream.model.method.swav;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.loss.SinkhornKnopp;
import io.contrastream.model.loss.SwappedPredictionLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.KeyQueue;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * SwAV (Caron et al., NeurIPS 2020, "Unsupervised Learning of Visual Features by Contrasting
 * Cluster Assignments", arXiv:2006.09882): each view's features predict the other view's cluster
 * assignment ("code") over a set of learnable prototypes.
 *
 * <pre>{@code
 * SwAV swav = new SwAV(SwAV.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));
 * StepResult s = swav.step(batch);   // 2 large crops + local-crops small ones (multi-crop)
 * }</pre>
 *
 * <p>One step (Algorithm 1): z_v = normalise(g(f(x_v))) for both views in one pass (N x 128);
 * scores s_v = z_v·Cᵀ with the prototypes C (K x 128, a bias-free linear layer, rows of unit norm);
 * codes q_v = {@link SinkhornKnopp} on the detached scores (ε = {@code sinkhorn-eps},
 * {@code sinkhorn-iters} iterations); loss = {@link SwappedPredictionLoss} at τ = {@code temperature};
 * update θ and C; then renormalise the rows of C. For the first {@code freeze-prototypes-steps} steps
 * the prototype gradient is zeroed before the optimizer step ({@link #beforeUpdate}); weight decay
 * and momentum then only rescale C's rows, which the renormalisation undoes, so C stays fixed as in
 * the paper (which drops the gradient).
 *
 * <p>With {@code swav-queue} = Q &gt; 0 (small batches), the z's of both views of past steps are kept
 * in one FIFO of Q rows; once it has been filled, each view's codes come from Sinkhorn over the
 * scores of [queue; batch] (with the current C) and only the batch's rows are used; the batch's z's
 * are enqueued after an applied update. The paper keeps one queue per crop and starts using it after
 * 15 epochs; here one queue serves both views and is used as soon as it is full. It is written with
 * the rest of the state (independently of {@code withQueue}: it is not a queue of negatives).
 *
 * <p>Multi-crop ({@code local-crops} = L &gt; 0, sec. 3.2): views 2.. are L small crops
 * ({@code local-crop-size}, area 0.05–0.14 of the image; the large crops 0.14–1, see
 * {@code MethodSpec.viewAugmentations}) that go through encoder and projector in one pass of their own;
 * only the large crops get codes (and are queued), and every other view predicts each of them:
 * {@link SwappedPredictionLoss#compute(NDArray[], NDArray[])}. The paper's 2 x 224 + 6 x 96 becomes
 * 2 x 28 + 4 x 14 here by default (2 cores). Left out: LARS by default and the queue start epoch.
 */
public final class SwAV extends AbstractRecipe {
    /** Caron et al. 2020. */
    public static final MethodSpec SPEC = MethodSpec.builder("swav", SwAV::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, RecipeParams.AUG, RecipeParams.MULTI_CROP,
                    List.of(RecipeParams.TEMPERATURE, RecipeParams.PROTOTYPES, RecipeParams.SINKHORN_EPS,
                            RecipeParams.SINKHORN_ITERS, RecipeParams.SWAV_QUEUE, RecipeParams.FREEZE_PROTOTYPES_STEPS))
            // Caron et al. 2020: tau 0.1, eps 0.05, 3 Sinkhorn iterations, wd 1e-6, 2-layer BN projector
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.1).set(OptimizerParams.LR, 0.06)
                    .set(OptimizerParams.WEIGHT_DECAY, 1e-6).set(RecipeParams.PROJ_LAYERS, 2)
                    .set(RecipeParams.PROJ_HIDDEN, 512).set(RecipeParams.PROJ_DIM, 128).set(RecipeParams.PROJ_BN, true)
                    .set(RecipeParams.PROTOTYPES, 300).set(RecipeParams.SINKHORN_EPS, 0.05)
                    .set(RecipeParams.SINKHORN_ITERS, 3).set(RecipeParams.SWAV_QUEUE, 0)
                    .set(RecipeParams.FREEZE_PROTOTYPES_STEPS, 300L)
                    .set(RecipeParams.LOCAL_CROPS, 4).set(RecipeParams.LOCAL_CROP_SIZE, 14)) // paper: 6 crops of 96 on 224 (4 of 14 on 28 here)
            // SwAV: SimCLR's
            .augmentation((p, enc) -> Augmentations.simclr(enc.inputSize(), p.get(RecipeParams.AUG_STRENGTH),
                    enc.inChannels() == 1))
            // global crops of scale [0.14, 1], small ones of [0.05, 0.14] of the same pipeline
            .multiCrop(0.14)
            .checks((p, enc) -> {
                int q = p.get(RecipeParams.SWAV_QUEUE);
                if (q > 0 && q < p.get(OptimizerParams.BATCH)) {
                    throw new IllegalArgumentException("swav-queue " + q + " must hold at least one view's batch of "
                            + p.get(OptimizerParams.BATCH));
                }
            })
            .build();

    private final Block projector; // g
    private final Block prototypes; // C, bias-free Linear: K x d
    private final Parameter prototypeWeight;
    private final SwappedPredictionLoss lossFn;
    private final float eps;
    private final int iterations;
    private final long freezeSteps;
    private final KeyQueue queue; // null when swav-queue = 0
    private final int localCrops;
    private long queued; // rows ever enqueued (the queue is used once this reaches its capacity)
    private NDArray pending1; // detached z of view 1 of the current step, on the step manager
    private NDArray pending2;

    public SwAV(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public SwAV(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device);
        int dim = params.get(RecipeParams.PROJ_DIM);
        this.projector = registerHead(projector(enc.outDim()));
        this.prototypes = Linear.builder().setUnits(params.get(RecipeParams.PROTOTYPES)).optBias(false).build();
        register(prototypes, new Shape(2, dim));
        this.prototypeWeight = prototypes.getParameters().get("weight");
        this.lossFn = new SwappedPredictionLoss(params.get(RecipeParams.TEMPERATURE).floatValue());
        this.eps = params.get(RecipeParams.SINKHORN_EPS).floatValue();
        this.iterations = params.get(RecipeParams.SINKHORN_ITERS);
        this.freezeSteps = params.get(RecipeParams.FREEZE_PROTOTYPES_STEPS);
        this.localCrops = params.get(RecipeParams.LOCAL_CROPS);
        int q = params.get(RecipeParams.SWAV_QUEUE);
        this.queue = q > 0 ? new KeyQueue(manager, q, dim, initRng.split()) : null;
        try (NDManager sm = manager.newSubManager()) {
            normalizePrototypes(sm);
        }
        initOptimizer();
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        int n = batch.size();
        NDArray[] z = headOfBothViews(sm, batch, projector); // z_v: N x d, the two large crops
        NDArray z1 = normalize(sm, z[0]); // z1: N x d
        NDArray z2 = normalize(sm, z[1]); // z2: N x d
        NDArray[] scores = new NDArray[2 + localCrops];
        scores[0] = forward(prototypes, sm, z1, true); // s1: N x K
        scores[1] = forward(prototypes, sm, z2, true); // s2: N x K
        if (localCrops > 0) { // the small crops in one pass of their own resolution
            NDList small = new NDList();
            for (int v = 2; v < 2 + localCrops; v++) {
                small.add(batch.view(sm, v)); // N x C x h x w
            }
            NDArray x = NDArrays.concat(small, 0); // x: (L·N) x C x h x w
            NDArray zs = normalize(sm, forward(projector, sm, forward(encoder, sm, x, true), true)); // zs: (L·N) x d
            NDArray ss = forward(prototypes, sm, zs, true); // ss: (L·N) x K
            for (int v = 0; v < localCrops; v++) {
                scores[2 + v] = ss.get("{}:{}", v * n, (v + 1) * n); // N x K
            }
        }
        NDArray queueScores = noGrad(() -> queueScores(sm)); // Q x K, shared by both views; null without a full queue
        NDArray q1 = noGrad(() -> codes(scores[0].stopGradient(), queueScores)); // q1: N x K
        NDArray q2 = noGrad(() -> codes(scores[1].stopGradient(), queueScores)); // q2: N x K
        if (queue != null) {
            pending1 = noGrad(z1::stopGradient);
            pending2 = noGrad(z2::stopGradient);
        }
        return lossFn.compute(scores, new NDArray[] {q1, q2}); // codes of the large crops, predicted by all others
    }

    /** The prototypes' scores of the queued features once the queue is full, else null. */
    private NDArray queueScores(NDManager sm) {
        if (queue == null || queued < queue.capacity()) {
            return null;
        }
        NDArray keys = queue.keys().duplicate(); // keys: Q x d
        keys.attach(sm);
        return forward(prototypes, sm, keys, false); // Q x K
    }

    /** Sinkhorn codes of the batch's scores, over [queue; batch] when there are queue scores. */
    private NDArray codes(NDArray scores, NDArray queueScores) {
        if (queueScores == null) {
            return SinkhornKnopp.codes(scores, eps, iterations); // N x K
        }
        NDArray all = NDArrays.concat(new NDList(queueScores, scores), 0); // all: (Q + N) x K
        return SinkhornKnopp.codes(all, eps, iterations).get("{}:", queue.capacity()); // N x K
    }

    private static NDArray normalize(NDManager sm, NDArray z) {
        return z.div(z.square().sum(new int[] {1}, true).add(sm.create(1e-12f)).sqrt()); // N x d, unit rows
    }

    /** Rows of C to unit norm, in place. */
    private void normalizePrototypes(NDManager sm) {
        noGrad(() -> {
            NDArray w = prototypeWeight.getArray(); // w: K x d, long-lived
            NDArray copy = w.duplicate();
            copy.attach(sm);
            NDArray norm = copy.square().sum(new int[] {1}, true).add(sm.create(1e-12f)).sqrt(); // norm: K x 1
            return w.divi(norm);
        });
    }

    @Override
    protected void beforeUpdate(NDManager sm) {
        if (stepCount() < freezeSteps) {
            JniUtils.zeroGrad((PtNDArray) prototypeWeight.getArray());
        }
    }

    @Override
    protected void afterUpdate(NDManager sm, ViewBatch batch) {
        normalizePrototypes(sm);
        if (queue != null) {
            queue.enqueue(pending1);
            queue.enqueue(pending2);
            queued += pending1.getShape().get(0) + pending2.getShape().get(0);
        }
        pending1 = null;
        pending2 = null;
    }

    /** A copy of the prototypes C, K x d row-major. */
    public float[] prototypes() {
        return prototypeWeight.getArray().toFloatArray();
    }

    /** Whether the next step computes its codes over the queue as well. */
    public boolean queueInUse() {
        return queue != null && queued >= queue.capacity();
    }

    @Override
    protected void writeExtra(DataOutputStream out, boolean withQueue) throws IOException {
        out.writeLong(queued);
        if (queue != null) {
            queue.write(out);
        }
    }

    @Override
    protected void readExtra(DataInputStream in, boolean withQueue) throws IOException {
        long n = in.readLong();
        if (n < 0) {
            throw new IOException("state holds a negative queue count " + n);
        }
        if (queue != null) {
            queue.read(in);
        }
        queued = n;
    }
}
