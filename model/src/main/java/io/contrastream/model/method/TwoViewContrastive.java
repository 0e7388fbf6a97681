package io.contrastream.model.method;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.loss.TwoViewLoss;
import io.contrastream.model.param.Params;
import java.util.function.Function;

/**
 * End-to-end contrastive learning over two views with the batch as negatives, the shape SimCLR and
 * InvaSpread share: one encoder, the proj-* projector, and a two-view loss, the one part that differs.
 *
 * <pre>{@code
 * final class SimClr extends TwoViewContrastive {
 *     static final MethodSpec SPEC = MethodSpec.builder("simclr", SimClr::new)...build();
 *     SimClr(Params p, EncoderConfig enc, Device d) { super(SPEC, p, enc, d, NtXentLoss::new); }
 * }
 * StepResult s = new SimClr(SimClr.SPEC.defaults(), EncoderConfig.smallResNet(1, 28), null).step(batch);
 * }</pre>
 *
 * <p>One step: z = g(f([x₁; x₂])) in one pass (batch norm sees all 2N views), loss(z₁, z₂).
 * Downstream uses h = f(x).
 */
public abstract class TwoViewContrastive extends AbstractRecipe {
    private final Block projector;
    private final TwoViewLoss loss;

    /** @param loss the method's loss at the {@code temperature} parameter */
    protected TwoViewContrastive(MethodSpec spec, Params params, EncoderConfig enc, Device device,
            Function<Float, TwoViewLoss> loss) {
        super(spec, params, enc, device);
        this.projector = registerHead(projector(enc.outDim()));
        this.loss = loss.apply(params.get(RecipeParams.TEMPERATURE).floatValue());
        initOptimizer();
    }

    @Override
    protected final NDArray loss(NDManager sm, ViewBatch batch) {
        NDArray[] z = headOfBothViews(sm, batch, projector); // z[v]: N x dim
        return loss.compute(z[0], z[1]); // scalar
    }
}
