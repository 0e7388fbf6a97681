package io.contrastream.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.contrastream.model.state.ParameterIO;
import java.util.ArrayList;
import java.util.List;

/**
 * A momentum (EMA) copy of a block: θ_k ← m·θ_k + (1 − m)·θ_q, never back-propagated
 * (He et al., CVPR 2020, arXiv:1911.05722, eq. 2; the target network of BYOL and DINO).
 *
 * <pre>{@code
 * MomentumCopy key = new MomentumCopy(encoder, Encoders.build(cfg), manager, inputShape);
 * NDArray k = key.block().forward(ps, new NDList(x), true).singletonOrThrow();
 * key.update(0.999f);   // m passed in, so schedules live with the caller
 * }</pre>
 *
 * <p>Only the online block's trainable parameters are averaged; the copy's batch-norm running
 * statistics are its own, updated by its own forward passes, as in MoCo's key encoder.
 */
public final class MomentumCopy {
    private final Block target;
    private final List<NDArray[]> pairs = new ArrayList<>();
    private final NDManager manager;

    /**
     * @param online the trained block (initialised)
     * @param target a fresh block of the same structure, initialised here with {@code inputShape}
     * @param manager a long-lived manager for the copy's arrays
     */
    public MomentumCopy(Block online, Block target, NDManager manager, ai.djl.ndarray.types.Shape inputShape) {
        this.manager = manager;
        this.target = target;
        target.setInitializer(ai.djl.training.initializer.Initializer.ZEROS, Parameter.Type.WEIGHT);
        target.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, inputShape);
        var on = online.getParameters();
        var tg = target.getParameters();
        if (on.size() != tg.size()) {
            throw new IllegalArgumentException("momentum copy: the target block differs from the online block");
        }
        for (int i = 0; i < on.size(); i++) {
            Pair<String, Parameter> o = on.get(i);
            Pair<String, Parameter> t = tg.get(i);
            NDArray oa = o.getValue().getArray();
            NDArray ta = t.getValue().getArray();
            if (!oa.getShape().equals(ta.getShape())) {
                throw new IllegalArgumentException("momentum copy: shape mismatch at " + o.getKey());
            }
            if (ta.hasGradient()) {
                ta.setRequiresGradient(false);
            }
            ParameterIO.assign(ta, oa.toFloatArray()); // θ_k ← θ_q at start, running stats included
            if (o.getValue().requiresGradient()) {
                pairs.add(new NDArray[] {oa, ta});
            }
        }
    }

    public Block block() {
        return target;
    }

    /** θ_k ← m·θ_k + (1 − m)·θ_q for every trainable parameter. Call with gradient recording off. */
    public void update(float m) {
        if (!(m >= 0f && m <= 1f)) {
            throw new IllegalArgumentException("momentum must be in [0, 1], got " + m);
        }
        try (NDManager sm = manager.newSubManager()) {
            NDArray keep = sm.create(m);
            NDArray take = sm.create(1f - m);
            for (NDArray[] p : pairs) {
                NDArray part = p[0].mul(take);
                part.attach(sm);
                p[1].muli(keep).addi(part);
            }
        }
    }
}
