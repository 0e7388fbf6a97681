package io.contrastream.model.method;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.ParameterIO;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * The shape BYOL and MoCo v3 share: an online network (encoder, projector) followed by a predictor,
 * a target network that is the online one's EMA (momentum raised to 1 on a cosine over total-steps),
 * both views through both, and a loss of the four outputs — the one part that differs.
 *
 * <pre>{@code
 * final class Byol extends PredictorTarget {
 *     Byol(Params p, EncoderConfig enc, Device d) {
 *         super(SPEC, p, enc, d, () -> projector(p, enc), () -> predictor(p));
 *     }
 *     protected NDArray loss(NDArray p1, NDArray p2, NDArray t1, NDArray t2) { ... }
 * }
 * }</pre>
 *
 * <p>Registration order (encoder, projector, predictor, then the target's copy) and the order of the
 * forward passes (target on view 0, target on view 1, online + predictor on view 0, then view 1) are
 * the seeded order both recipes had on their own, so weights and losses are unchanged.
 */
public abstract class PredictorTarget extends AbstractRecipe {
    protected final Block online; // f then g
    protected final Block predictor; // q
    protected final MomentumCopy target; // f′ then g′
    private final double baseMomentum;
    private final long totalSteps;

    /**
     * @param projector a fresh projector on the encoder's output, called twice (online, then target)
     * @param predictor the predictor on the projector's output (proj-dim wide)
     */
    protected PredictorTarget(MethodSpec spec, Params params, EncoderConfig enc, Device device,
            Supplier<Block> projector, Supplier<Block> predictor) {
        super(spec, params, enc, device);
        this.online = withEncoder(registerHead(projector.get()));
        this.predictor = predictor.get();
        register(this.predictor, new Shape(2, params.get(RecipeParams.PROJ_DIM)));
        this.target = momentumCopy(online, projector);
        this.baseMomentum = params.get(RecipeParams.BASE_TARGET_MOMENTUM);
        this.totalSteps = params.get(OptimizerParams.TOTAL_STEPS);
    }

    /** The method's loss of predictions p1, p2 (online) and targets t1, t2 (no gradient): a scalar. */
    protected abstract NDArray loss(NDArray p1, NDArray p2, NDArray t1, NDArray t2);

    @Override
    protected final NDArray loss(NDManager sm, ViewBatch batch) {
        NDArray x1 = batch.view(sm, 0); // x1: N x C x H x W
        NDArray x2 = batch.view(sm, 1); // x2: N x C x H x W
        NDArray t1 = noGrad(() -> forward(target.block(), sm, x1, true)); // t1: N x dim
        NDArray t2 = noGrad(() -> forward(target.block(), sm, x2, true)); // t2: N x dim
        NDArray p1 = forward(predictor, sm, forward(online, sm, x1, true), true); // p1: N x dim
        NDArray p2 = forward(predictor, sm, forward(online, sm, x2, true), true); // p2: N x dim
        return loss(p1, p2, t1, t2);
    }

    @Override
    protected void afterUpdate(NDManager sm, ViewBatch batch) {
        target.update(MomentumSchedule.cosineToOne(baseMomentum, stepCount(), totalSteps)); // stepCount(): this k
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
