package io.contrastream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import io.contrastream.model.util.Rng;

/**
 * Explicit, seeded weight initialisation drawn in Java, so the same seed gives the same weights on
 * any engine, thread count or device.
 *
 * <pre>{@code
 * block.setInitializer(new SeededInitializer(Rng.seeded(42)), Parameter.Type.WEIGHT);
 * block.initialize(manager, DataType.FLOAT32, inputShape);
 * }</pre>
 *
 * <p>Convolution kernels (rank 4 or 3) get He normal initialisation in fan-out mode, std =
 * sqrt(2 / fan_out) (He et al., ICCV 2015, arXiv:1502.01852; the ResNet convention). Linear weights
 * (rank 2) get U(−1/√fan_in, 1/√fan_in), the default of common frameworks. Parameters are drawn in
 * the order DJL initialises them, which is fixed by the block structure.
 */
public final class SeededInitializer implements Initializer {
    private final Rng rng;

    public SeededInitializer(Rng rng) {
        this.rng = rng;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        int n = Math.toIntExact(shape.size());
        float[] values = new float[n];
        if (shape.dimension() >= 3) {
            long receptive = 1;
            for (int i = 2; i < shape.dimension(); i++) {
                receptive *= shape.get(i);
            }
            double std = Math.sqrt(2.0 / (shape.get(0) * receptive));
            for (int i = 0; i < n; i++) {
                values[i] = (float) (rng.nextGaussian() * std);
            }
        } else {
            long fanIn = shape.dimension() == 2 ? shape.get(1) : shape.get(0);
            double bound = 1.0 / Math.sqrt(fanIn);
            for (int i = 0; i < n; i++) {
                values[i] = (float) rng.uniform(-bound, bound);
            }
        }
        return manager.create(values, shape).toType(dataType, false);
    }
}
