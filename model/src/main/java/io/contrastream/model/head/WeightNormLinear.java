package io.contrastream.model.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A bias-free Linear layer with weight normalisation and its gain fixed at 1 (Salimans &amp; Kingma,
 * 2016, arXiv:1602.07868), DINO's last layer with {@code norm_last_layer} (Caron et al., ICCV 2021,
 * arXiv:2104.14294, sec. 3.1 and appendix).
 *
 * <pre>{@code
 * Block last = new WeightNormLinear(1024);   // N x d → N x 1024
 * }</pre>
 *
 * <pre>
 *   W_o = v_o / ‖v_o‖,    y = x·Wᵀ
 * </pre>
 * Each output unit's weight row v_o is divided by its norm before use; only v is stored and trained.
 */
public final class WeightNormLinear extends AbstractBlock {
    private static final float EPS = 1e-12f;
    private final long units;
    private final Parameter weight;

    public WeightNormLinear(long units) {
        if (units < 1) {
            throw new IllegalArgumentException("a linear layer needs at least one unit, got " + units);
        }
        this.units = units;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT).build());
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        weight.setShape(new Shape(units, in.get(in.dimension() - 1)));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray x = inputs.singletonOrThrow(); // x: N x d
        NDArray v = ps.getValue(weight, x.getDevice(), training); // v: units x d, long-lived
        NDArray w = v.normalize(2, 1, EPS); // w: units x d, unit rows
        w.attach(x.getManager()); // an op on the long-lived weight would otherwise join its manager
        return new NDList(Linear.linear(x, w, null)); // N x units
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(units)};
    }

    @Override
    public String toString() {
        return "WeightNormLinear(units=" + units + ")";
    }
}
