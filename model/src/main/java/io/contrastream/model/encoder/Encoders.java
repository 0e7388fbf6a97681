package io.contrastream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.Arrays;

/**
 * Builds encoders f: image (N x C x H x W) → representation h (N x D).
 *
 * <pre>{@code
 * Block f = Encoders.build(EncoderConfig.smallResNet(1, 28));
 * f.setInitializer(new SeededInitializer(Rng.seeded(7)), Parameter.Type.WEIGHT);
 * f.initialize(manager, DataType.FLOAT32, new Shape(2, 1, 28, 28));
 * }</pre>
 *
 * <p>Basic residual blocks with batch norm (He et al., CVPR 2016, arXiv:1512.03385), a 1×1
 * projection shortcut where the shape changes, global average pooling at the end; the
 * {@code vit-*} arches build a {@link VisionTransformer}.
 */
public final class Encoders {
    private Encoders() {}

    public static Block build(EncoderConfig cfg) {
        if (cfg.vit() != null) {
            return new VisionTransformer(cfg);
        }
        SequentialBlock net = new SequentialBlock();
        if (cfg.arch().equals("resnet18")) {
            net.add(conv(cfg.stemWidth(), 7, 2)).add(bn()).add(Activation.reluBlock())
                    .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
        } else {
            net.add(conv(cfg.stemWidth(), 3, 1)).add(bn()).add(Activation.reluBlock());
        }
        int in = cfg.stemWidth();
        for (int s = 0; s < cfg.widths().length; s++) {
            for (int b = 0; b < cfg.blocks()[s]; b++) {
                int stride = b == 0 ? cfg.strides()[s] : 1;
                net.add(basicBlock(in, cfg.widths()[s], stride));
                in = cfg.widths()[s];
            }
        }
        net.add(Pool.globalAvgPool2dBlock()); // h: N x D
        return net;
    }

    /** conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU. */
    static Block basicBlock(int in, int out, int stride) {
        SequentialBlock main = new SequentialBlock()
                .add(conv(out, 3, stride)).add(bn()).add(Activation.reluBlock())
                .add(conv(out, 3, 1)).add(bn());
        Block shortcut = (in == out && stride == 1)
                ? Blocks.identityBlock()
                : new SequentialBlock().add(conv(out, 1, stride)).add(bn());
        ParallelBlock residual = new ParallelBlock(
                branches -> new NDList(branches.get(0).singletonOrThrow().add(branches.get(1).singletonOrThrow())),
                Arrays.asList(main, shortcut));
        return new SequentialBlock().add(residual).add(Activation.reluBlock());
    }

    private static Block conv(int filters, int kernel, int stride) {
        return Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .optBias(false)
                .build();
    }

    private static Block bn() {
        return BatchNorm.builder().build();
    }

    /** The rows of an N x D array as N float vectors (one copy out of native memory). */
    public static float[][] rows(NDArray h) {
        float[] flat = h.toFloatArray();
        int n = Math.toIntExact(h.getShape().get(0));
        int d = Math.toIntExact(h.getShape().get(1));
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    /**
     * The forward pass of serving ({@code serving.EncoderModel}) and of {@code AbstractRecipe.embed}: {@code images} of {@code shape}
     * through {@code encoder} in inference mode (batch-norm running statistics) with gradient recording
     * off, on a sub-manager of {@code manager} closed before returning; the rows of h.
     */
    public static float[][] inference(Block encoder, NDManager manager, Shape shape, float[] images) {
        try (NDManager sm = manager.newSubManager()) {
            boolean was = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                NDArray h = encoder.forward(new ParameterStore(sm, false), new NDList(sm.create(images, shape)), false)
                        .singletonOrThrow(); // h: N x D
                return rows(h);
            } finally {
                JniUtils.setGradMode(was);
            }
        }
    }
}
