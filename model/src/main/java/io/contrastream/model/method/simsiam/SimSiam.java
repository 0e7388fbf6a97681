package io.contrastream.model.method.simsiam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.loss.NegativeCosineLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * SimSiam (Chen &amp; He, CVPR 2021, "Exploring Simple Siamese Representation Learning",
 * arXiv:2011.10566): one encoder and projector shared by both views, a bottleneck predictor, and a
 * stop-gradient on the target branch; no negatives, no momentum encoder.
 *
 * <pre>{@code
 * SimSiam simsiam = new SimSiam(SimSiam.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));
 * StepResult s = simsiam.step(batch);
 * }</pre>
 *
 * <p>One step (the paper's algorithm 1): z_v = g(f(x_v)), p_v = q(z_v) for each view;
 * loss = D(p₁, sg(z₂))/2 + D(p₂, sg(z₁))/2 with D the negative cosine. The projector has
 * {@code proj-layers} layers with batch norm after every Linear, the output's without affine
 * parameters, when {@code proj-bn} is on (the paper's); the predictor is Linear → BN → ReLU → Linear
 * with a {@code pred-hidden} bottleneck. Each view passes the network on its own, as in the paper's
 * code. Augmentation: MoCo v2's, as in the paper. Downstream uses h. With {@code fix-pred-lr} (default,
 * the paper's better setting, sec. 4.4) the predictor trains at the base lr, neither warmed up nor
 * decayed, while encoder and projector follow the schedule.
 */
public final class SimSiam extends AbstractRecipe {
    /** Chen &amp; He 2021. */
    public static final MethodSpec SPEC = MethodSpec.builder("simsiam", SimSiam::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, List.of(RecipeParams.PRED_HIDDEN, RecipeParams.FIX_PRED_LR))
            // Chen & He 2021: SGD lr 0.05 wd 1e-4, 3-layer projector with BN, 1/4 bottleneck
            .defaults(p -> p.set(OptimizerParams.LR, 0.05).set(OptimizerParams.WEIGHT_DECAY, 1e-4)
                    .set(RecipeParams.PROJ_LAYERS, 3).set(RecipeParams.PROJ_HIDDEN, 512).set(RecipeParams.PROJ_DIM, 512)
                    .set(RecipeParams.PROJ_BN, true).set(RecipeParams.PRED_HIDDEN, 128))
            .augmentation((p, enc) -> Augmentations.mocoV2(enc.inputSize(), enc.inChannels() == 1))
            .build();

    private final Block online; // f then g
    private final Block predictor; // q
    private final NegativeCosineLoss loss = NegativeCosineLoss.simSiam();
    private final java.util.Set<ai.djl.nn.Parameter> fixedRate;

    public SimSiam(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public SimSiam(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device);
        int dim = params.get(RecipeParams.PROJ_DIM);
        this.online = withEncoder(registerHead(projector(enc.outDim(), true)));
        this.predictor = Mlp.predictor(dim, params.get(RecipeParams.PRED_HIDDEN), dim);
        register(predictor, new Shape(2, dim));
        this.fixedRate = params.get(RecipeParams.FIX_PRED_LR)
                ? java.util.Set.copyOf(predictor.getParameters().values()) : java.util.Set.of();
        initOptimizer();
    }

    /** A copy of the predictor's trained weights (not batch-norm running statistics), one after another. */
    public float[] predictorWeights() {
        java.util.List<float[]> parts = new java.util.ArrayList<>();
        int total = 0;
        for (ai.djl.nn.Parameter p : predictor.getParameters().values()) {
            if (!p.requiresGradient()) {
                continue;
            }
            float[] a = p.getArray().toFloatArray();
            parts.add(a);
            total += a.length;
        }
        float[] out = new float[total];
        int at = 0;
        for (float[] a : parts) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }

    /** The predictor's parameters with {@code fix-pred-lr}: trained at the base lr throughout. */
    @Override
    protected java.util.Set<ai.djl.nn.Parameter> fixedRateParameters() {
        return fixedRate;
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        NDArray z1 = forward(online, sm, batch.view(sm, 0), true); // z1: N x dim
        NDArray z2 = forward(online, sm, batch.view(sm, 1), true); // z2: N x dim
        NDArray p1 = forward(predictor, sm, z1, true); // p1: N x dim
        NDArray p2 = forward(predictor, sm, z2, true); // p2: N x dim
        NDArray half = sm.create(0.5f);
        NDArray d12 = loss.compute(p1, z2.stopGradient()); // D(p1, sg(z2)), scalar
        NDArray d21 = loss.compute(p2, z1.stopGradient()); // D(p2, sg(z1)), scalar
        return d12.add(d21).mul(half); // scalar in [-1, 1]
    }
}
