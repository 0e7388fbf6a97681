package io.contrastream.model.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A Linear layer with weight standardisation (Qiao et al., 2019, arXiv:1903.10520): each output
 * unit's weight row is standardised over its fan-in before use, as paired with group norm in BYOL's
 * follow-up without batch statistics (Richemond et al., 2020, arXiv:2010.10241).
 *
 * <pre>{@code
 * Block ws = new WsLinear(512, false);   // N x in → N x 512, usually followed by GroupNorm
 * }</pre>
 *
 * <pre>
 *   Ŵ_{o,i} = (W_{o,i} − mean_i W_{o,·}) / sqrt(var_i W_{o,·} + ε),    y = x·Ŵᵀ (+ b)
 * </pre>
 * with the biased variance and ε = 1e-5. Parameters are named like DJL's Linear ("weight",
 * "bias"), so the seeded initialiser and LARS's exclusions treat them the same way.
 */
public final class WsLinear extends AbstractBlock {
    private static final float EPS = 1e-5f;
    private final long units;
    private final Parameter weight;
    private final Parameter bias;

    public WsLinear(long units, boolean withBias) {
        if (units < 1) {
            throw new IllegalArgumentException("a linear layer needs at least one unit, got " + units);
        }
        this.units = units;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT).build());
        this.bias = withBias
                ? addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS).build())
                : null;
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        weight.setShape(new Shape(units, in.get(in.dimension() - 1)));
        if (bias != null) {
            bias.setShape(new Shape(units));
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray x = inputs.singletonOrThrow(); // x: N x in
        NDManager m = x.getManager();
        NDArray w = ps.getValue(weight, x.getDevice(), training); // w: units x in, long-lived
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training); // b: units
        return Linear.linear(x, standardise(w, m), b);
    }

    /** Ŵ of a units x in weight; every temporary joins {@code m} (the weight itself is long-lived). */
    static NDArray standardise(NDArray w, NDManager m) {
        NDArray mean = own(w.mean(new int[] {1}, true), m); // mean: units x 1
        NDArray centred = own(w.sub(mean), m); // centred: units x in
        NDArray var = centred.square().mean(new int[] {1}, true); // var: units x 1
        return centred.div(var.add(m.create(EPS)).sqrt()); // Ŵ: units x in
    }

    private static NDArray own(NDArray a, NDManager m) {
        a.attach(m);
        return a;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(units)};
    }

    @Override
    public String toString() {
        return "WsLinear(units=" + units + ", bias=" + (bias != null) + ")";
    }
}
