package io.contrastream.model.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Group normalisation of N x C features (Wu &amp; He, ECCV 2018, arXiv:1803.08494): the C channels
 * are split into G groups of C/G, each sample is normalised within each group, then a per-channel
 * affine map is applied. No batch statistics, so nothing leaks between samples of a batch.
 *
 * <pre>{@code
 * Block gn = new GroupNorm(32);        // input N x C with C divisible by 32
 * }</pre>
 *
 * <pre>
 *   x̂_{n,c} = (x_{n,c} − μ_{n,g(c)}) / sqrt(σ²_{n,g(c)} + ε),   y_{n,c} = γ_c·x̂_{n,c} + β_c
 * </pre>
 * with μ and σ² the mean and (biased) variance over the C/G channels of group g(c), ε = 1e-5;
 * γ starts at 1 and β at 0 (named gamma / beta, so LARS excludes them as it does batch norm's).
 */
public final class GroupNorm extends AbstractBlock {
    private static final float EPS = 1e-5f;
    private final int groups;
    private final Parameter gamma;
    private final Parameter beta;
    private long channels;

    public GroupNorm(int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("group norm needs at least one group, got " + groups);
        }
        this.groups = groups;
        this.gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA).build());
        this.beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA).build());
    }

    /** The usual 32 groups where C allows it, else the largest count dividing C: gcd(C, 32). */
    public static int defaultGroups(int channels) {
        int a = channels;
        int b = 32;
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        super.beforeInitialize(inputShapes);
        Shape in = inputShapes[0];
        if (in.dimension() != 2) {
            throw new IllegalArgumentException("group norm takes N x C features, got " + in);
        }
        channels = in.get(1);
        if (channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
        }
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        gamma.setShape(new Shape(inputShapes[0].get(1)));
        beta.setShape(new Shape(inputShapes[0].get(1)));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray x = inputs.singletonOrThrow(); // x: N x C
        NDManager m = x.getManager();
        long n = x.getShape().get(0);
        long c = x.getShape().get(1);
        NDArray g = x.reshape(n, groups, c / groups); // g: N x G x C/G
        NDArray centred = g.sub(g.mean(new int[] {2}, true)); // centred: N x G x C/G
        NDArray var = centred.square().mean(new int[] {2}, true); // var: N x G x 1
        NDArray xHat = centred.div(var.add(m.create(EPS)).sqrt()).reshape(n, c); // xHat: N x C
        NDArray w = ps.getValue(gamma, x.getDevice(), training); // w: C
        NDArray b = ps.getValue(beta, x.getDevice(), training); // b: C
        return new NDList(xHat.mul(w).add(b)); // N x C, on x's manager (the receiver is xHat)
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "GroupNorm(groups=" + groups + ", channels=" + channels + ")";
    }
}
