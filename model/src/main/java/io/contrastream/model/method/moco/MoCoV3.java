package io.contrastream.model.method.moco;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.loss.SymmetricInfoNceLoss;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.MomentumCopy;
import io.contrastream.model.method.PredictorTarget;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.byol.Byol;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * MoCo v3 (Chen, Xie &amp; He, ICCV 2021, "An Empirical Study of Training Self-Supervised Vision
 * Transformers", arXiv:2104.02057): a query encoder with projector and predictor contrasts its
 * outputs against a momentum key encoder's over the batch, with no queue.
 *
 * <pre>{@code
 * EncoderConfig vit = EncoderConfig.preset("vit-tiny-frozen", 1, 28);   // CLI: --encoder vit-tiny-frozen
 * MoCoV3 moco = new MoCoV3(MoCoV3.SPEC.defaults(), vit);     // resnet-small works as well
 * StepResult s = moco.step(batch);   // both views are queries and keys
 * }</pre>
 *
 * <p>One step (the paper's Algorithm 1): q_v = pred(proj(f(x_v))) for each view; k_v =
 * proj′(f′(x_v)) by the momentum copy without gradient; loss = ctr(q₁, k₂) + ctr(q₂, k₁) with
 * {@link SymmetricInfoNceLoss} (InfoNCE over in-batch keys, τ, scaled by 2τ); update θ; then
 * θ′ ← m·θ′ + (1 − m)·θ with m raised from {@code base-target-momentum} to 1 on a cosine over
 * total-steps ({@link MomentumSchedule}; constant in an endless stream). The paper updates the
 * momentum copy before computing the keys of the same step; here it follows the update, as in BYOL,
 * which shifts the copy by one step. The projector has 3 layers with batch norm on the hidden layers
 * and an affine-free batch norm on its output, the predictor 2 layers with batch norm on the hidden
 * layer (the paper's code). Each view passes the networks on its own, so batch norm sees N samples.
 * The augmentation is BYOL's ({@link io.contrastream.model.augment.image.Augmentations#byol}), which
 * MoCo v3 adopts.
 *
 * <p>The encoder comes from the caller: a recipe's parameters cannot choose it, so use
 * {@code --encoder vit-tiny-frozen} (MoCo v3's random, frozen patch projection, sec. 4.2) or
 * {@code vit-tiny} for the transformer; with {@code resnet-small} this is MoCo v3 on a ResNet (the
 * paper's ResNet-50 baseline uses LARS and τ = 1.0 instead). The frozen patch projection needs
 * nothing here: its parameters do not require gradients, so the optimizer and the momentum copy
 * leave them at their initial values, equal in both networks.
 */
public final class MoCoV3 extends PredictorTarget {
    /** Chen, Xie &amp; He 2021; use the vit-tiny-frozen encoder for the paper's ViT. */
    public static final MethodSpec SPEC = MethodSpec.builder("moco-v3", MoCoV3::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, RecipeParams.TARGET,
                    List.of(RecipeParams.TEMPERATURE, RecipeParams.PRED_HIDDEN))
            // Chen, Xie & He 2021: tau 0.2, AdamW lr 1.5e-4 wd 0.1, 3-layer projector, cosine m
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.2).set(OptimizerParams.OPTIMIZER, "adamw")
                    .set(OptimizerParams.LR, 1.5e-4).set(OptimizerParams.MOMENTUM, 0.9)
                    .set(OptimizerParams.WEIGHT_DECAY, 0.1).set(RecipeParams.PROJ_LAYERS, 3)
                    .set(RecipeParams.PROJ_HIDDEN, 512).set(RecipeParams.PROJ_DIM, 128).set(RecipeParams.PROJ_BN, true)
                    .set(RecipeParams.PRED_HIDDEN, 512).set(RecipeParams.BASE_TARGET_MOMENTUM, 0.99))
            // MoCo v3 adopts BYOL's augmentation
            .augmentation((p, enc) -> Augmentations.byol(enc.inputSize(), enc.inChannels() == 1))
            .globalViews(Byol::views)
            .build();

    private final SymmetricInfoNceLoss loss;

    public MoCoV3(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public MoCoV3(Params params, EncoderConfig enc, ai.djl.Device device) {
        // the projector's output batch-normalised too (no affine) when proj-bn is on, as AbstractRecipe.projector(d, true)
        super(SPEC, params, enc, device, () -> Mlp.build(params.get(RecipeParams.PROJ_LAYERS), enc.outDim(),
                params.get(RecipeParams.PROJ_HIDDEN), params.get(RecipeParams.PROJ_DIM), params.get(RecipeParams.PROJ_BN),
                params.get(RecipeParams.PROJ_BN)),
                () -> Mlp.build(2, params.get(RecipeParams.PROJ_DIM), params.get(RecipeParams.PRED_HIDDEN),
                        params.get(RecipeParams.PROJ_DIM), params.get(RecipeParams.PROJ_BN), false));
        this.loss = new SymmetricInfoNceLoss(params.get(RecipeParams.TEMPERATURE).floatValue());
        initOptimizer();
    }

    @Override
    protected NDArray loss(NDArray q1, NDArray q2, NDArray k1, NDArray k2) {
        return loss.compute(q1, q2, k1, k2); // scalar, 4τ·log N when nothing is learnt
    }

    /** The momentum key network (EMA of encoder + projector). */
    public MomentumCopy keyNetwork() {
        return target;
    }

    /** The trained encoder. */
    public Block queryEncoder() {
        return encoder;
    }
}
