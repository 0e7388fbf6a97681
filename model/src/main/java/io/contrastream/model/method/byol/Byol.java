package io.contrastream.model.method.byol;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.loss.NegativeCosineLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.MomentumCopy;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.ParameterIO;
import java.util.List;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.function.Supplier;

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
public final class Byol extends AbstractRecipe {
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

    private final Block online; // f then g
    private final Block predictor; // q
    private final MomentumCopy target; // f′ then g′
    private final NegativeCosineLoss loss = NegativeCosineLoss.byol();
    private final double baseMomentum;
    private final long totalSteps;

    public Byol(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public Byol(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device);
        int layers = params.get(RecipeParams.PROJ_LAYERS);
        int hidden = params.get(RecipeParams.PROJ_HIDDEN);
        int dim = params.get(RecipeParams.PROJ_DIM);
        String norm = params.get(RecipeParams.MLP_NORM);
        Supplier<Block> projector = () -> Mlp.build(layers, enc.outDim(), hidden, dim, norm);
        this.online = withEncoder(registerHead(projector.get()));
        this.predictor = Mlp.build(2, dim, params.get(RecipeParams.PRED_HIDDEN), dim, norm);
        register(predictor, new Shape(2, dim));
        this.target = momentumCopy(online, projector);
        this.baseMomentum = params.get(RecipeParams.BASE_TARGET_MOMENTUM);
        this.totalSteps = params.get(OptimizerParams.TOTAL_STEPS);
        initOptimizer();
    }

    /** BYOL's τ at step k of K (τ_base when K is 0; 1 from step K on). */
    public static float targetMomentum(double base, long k, long total) {
        return io.contrastream.model.method.MomentumSchedule.cosineToOne(base, k, total);
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        NDArray x1 = batch.view(sm, 0); // x1: N x C x H x W
        NDArray x2 = batch.view(sm, 1); // x2: N x C x H x W
        NDArray t1 = noGrad(() -> forward(target.block(), sm, x1, true)); // t1: N x dim
        NDArray t2 = noGrad(() -> forward(target.block(), sm, x2, true)); // t2: N x dim
        NDArray p1 = forward(predictor, sm, forward(online, sm, x1, true), true); // p1: N x dim
        NDArray p2 = forward(predictor, sm, forward(online, sm, x2, true), true); // p2: N x dim
        return loss.compute(p1, t2).add(loss.compute(p2, t1)); // scalar in [0, 8]
    }

    @Override
    protected void afterUpdate(NDManager sm, ViewBatch batch) {
        target.update(targetMomentum(baseMomentum, stepCount(), totalSteps)); // stepCount(): this step's k
    }

    /** The target network (EMA of encoder + projector). */
    public MomentumCopy targetNetwork() {
        return target;
    }

    @Override
    protected void writeExtra(DataOutputStream out, boolean withQueue) throws IOException {
        ParameterIO.write(target.block(), out);
    }

    @Override
    protected void readExtra(DataInputStream in, boolean withQueue) throws IOException {
        ParameterIO.read(target.block(), in);
    }
}
