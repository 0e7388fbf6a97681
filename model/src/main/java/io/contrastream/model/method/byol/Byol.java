package io.contrastream.model.method.byol;

import ai.djl.ndarray.NDArray;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.loss.NegativeCosineLoss;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.MomentumCopy;
import io.contrastream.model.method.PredictorTarget;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * BYOL (Grill et al., NeurIPS 2020, "Bootstrap Your Own Latent", arXiv:2006.07733): an online
 * network (encoder, projector, predictor) predicts the projection of the other view by a target
 * network (encoder, projector) that is an EMA of the online one; no negatives.
 *
 * <pre>{@code
 * Byol byol = new Byol(Byol.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));
 * StepResult s = byol.step(batch);   // both views serve as online input and as target
 * }</pre>
 *
 * <p>One step: p_v = q(g(f(x_v))) for each view; z′_v = g′(f′(x_v)) by the target without gradient;
 * loss = (2 − 2·cos(p₁, z′₂)) + (2 − 2·cos(p₂, z′₁)), each a batch mean (eq. 2 and its symmetrised
 * form); update θ; then ξ ← τ·ξ + (1 − τ)·θ with τ = 1 − (1 − τ_base)(cos(πk/K) + 1)/2 at step k of
 * K = total-steps (τ_base throughout when total-steps is 0, a stream without end). Each view passes
 * the networks on its own, as in the paper's code, so batch norm sees N samples at a time.
 * {@code mlp-norm} sets the normalisation of the projector and predictor hidden layers (bn, none,
 * gn-ws) to reproduce the batch-norm follow-up; the encoder keeps its batch norm. The augmentation
 * is {@link io.contrastream.model.augment.image.Augmentations#byol}, BYOL's pipeline with the two
 * views' blur/solarize probabilities averaged, since one pipeline serves every view.
 */
public final class Byol extends PredictorTarget {
    /** Grill et al. 2020. */
    public static final MethodSpec SPEC = MethodSpec.builder("byol", Byol::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR_SHAPE, RecipeParams.TARGET,
                    List.of(RecipeParams.PRED_HIDDEN, RecipeParams.MLP_NORM))
            // Grill et al. 2020: 2-layer projector and predictor with BN, EMA target, cosine tau
            .defaults(p -> p.set(RecipeParams.PROJ_LAYERS, 2).set(RecipeParams.PROJ_HIDDEN, 512)
                    .set(RecipeParams.PROJ_DIM, 128).set(RecipeParams.PRED_HIDDEN, 512).set(RecipeParams.MLP_NORM, "bn")
                    .set(RecipeParams.BASE_TARGET_MOMENTUM, 0.99).set(OptimizerParams.WEIGHT_DECAY, 1e-4))
            // the averaged single form; the views: globalViews
            .augmentation((p, enc) -> Augmentations.byol(enc.inputSize(), enc.inChannels() == 1))
            .globalViews(Byol::views)
            .build();

    /**
     * BYOL's asymmetric pair, also MoCo v3's and DINO's: blur p 1.0 on view 0; blur p 0.1 and
     * solarize p 0.2 on view 1.
     */
    public static List<ImageTransform> views(Params p, EncoderConfig enc) {
        return List.of(Augmentations.byolView(enc.inputSize(), enc.inChannels() == 1, 0),
                Augmentations.byolView(enc.inputSize(), enc.inChannels() == 1, 1));
    }

    private final NegativeCosineLoss loss = NegativeCosineLoss.byol();

    public Byol(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public Byol(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device, () -> Mlp.build(params.get(RecipeParams.PROJ_LAYERS), enc.outDim(),
                params.get(RecipeParams.PROJ_HIDDEN), params.get(RecipeParams.PROJ_DIM), params.get(RecipeParams.MLP_NORM)),
                () -> Mlp.build(2, params.get(RecipeParams.PROJ_DIM), params.get(RecipeParams.PRED_HIDDEN),
                        params.get(RecipeParams.PROJ_DIM), params.get(RecipeParams.MLP_NORM)));
        initOptimizer();
    }

    /** BYOL's τ at step k of K (τ_base when K is 0; 1 from step K on). */
    public static float targetMomentum(double base, long k, long total) {
        return io.contrastream.model.method.MomentumSchedule.cosineToOne(base, k, total);
    }

    @Override
    protected NDArray loss(NDArray p1, NDArray p2, NDArray t1, NDArray t2) {
        return loss.compute(p1, t2).add(loss.compute(p2, t1)); // scalar in [0, 8]
    }

    /** The target network (EMA of encoder + projector). */
    public MomentumCopy targetNetwork() {
        return target;
    }
}
