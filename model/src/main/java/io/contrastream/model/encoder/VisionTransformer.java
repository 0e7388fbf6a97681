package io.contrastream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A small Vision Transformer encoder f: image (N x C x H x W) → h, the final [CLS] token (N x width)
 * (Dosovitskiy et al., ICLR 2021, arXiv:2010.11929).
 *
 * <pre>{@code
 * Block f = Encoders.build(EncoderConfig.vitTiny(1, 28, true));   // or preset("vit-tiny-frozen", 1, 28)
 * f.setInitializer(new SeededInitializer(Rng.seeded(7)), Parameter.Type.WEIGHT);
 * f.initialize(manager, DataType.FLOAT32, new Shape(2, 1, 28, 28));
 * }</pre>
 *
 * <p>Inputs of another side (multi-crop's small crops) take the position embeddings resampled
 * bilinearly to their patch grid ({@link #resampling}), as DINO interpolates them.
 *
 * <p>Patch embedding (a p×p convolution of stride p, i.e. a linear map of each patch), a learned
 * [CLS] token prepended, learned position embeddings added, {@code depth} pre-norm
 * {@link TransformerBlock}s, a final LayerNorm; h is the [CLS] token. With
 * {@link EncoderConfig.Vit#frozenPatch()} the patch projection keeps its random initial weights:
 * its parameters do not require gradients, so the recipes' optimizers and momentum copies skip them
 * (MoCo v3, Chen et al., ICCV 2021, arXiv:2104.02057, sec. 4.2), while state export still writes them.
 * The [CLS] token (1 x 1 x W) and position embeddings (1 x T x W) are WEIGHT parameters, so the seeded
 * initialiser draws them as rank-3 arrays: normal with std √(2/(T·W)) ≈ 0.03 for the positions (ViT
 * uses 0.02) and √(2/W) for [CLS].
 */
public final class VisionTransformer extends AbstractBlock {
    private final EncoderConfig.Vit spec;
    private final int grid;
    private final Block patchEmbed;
    private final Parameter cls;
    private final Parameter pos;
    private final TransformerBlock[] blocks;
    private final Block norm = LayerNorm.builder().axis(2).build();

    public VisionTransformer(EncoderConfig cfg) {
        this.spec = cfg.vit();
        if (spec == null) {
            throw new IllegalArgumentException("not a ViT config: " + cfg);
        }
        this.grid = cfg.inputSize() / spec.patch();
        int w = spec.width();
        this.cls = addParameter(Parameter.builder().setName("cls").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, 1, w)).build());
        this.pos = addParameter(Parameter.builder().setName("pos").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, tokens(), w)).build());
        this.patchEmbed = addChildBlock("patch", Conv2d.builder().setFilters(w)
                .setKernelShape(new Shape(spec.patch(), spec.patch())).optStride(new Shape(spec.patch(), spec.patch()))
                .build());
        if (spec.frozenPatch()) {
            patchEmbed.freezeParameters(true); // before initialisation: the arrays never require gradients
        }
        this.blocks = new TransformerBlock[spec.depth()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = addChildBlock("block" + i, new TransformerBlock(w, spec.heads(), spec.mlpRatio()));
        }
        addChildBlock("norm", norm);
    }

    /** Patches plus [CLS]. */
    public int tokens() {
        return grid * grid + 1;
    }

    /** The patch projection (frozen or not). */
    public Block patchEmbedding() {
        return patchEmbed;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape image = inputShapes[0]; // N x C x H x W
        patchEmbed.initialize(manager, dataType, image);
        Shape seq = new Shape(image.get(0), tokens(), spec.width()); // N x T x W
        for (TransformerBlock b : blocks) {
            b.initialize(manager, dataType, seq);
        }
        norm.initialize(manager, dataType, seq);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray x = inputs.singletonOrThrow(); // x: N x C x H x W
        NDManager m = x.getManager();
        long n = x.getShape().get(0);
        int w = spec.width();
        long side = x.getShape().get(2);
        if (side != x.getShape().get(3) || side % spec.patch() != 0) {
            throw new IllegalArgumentException("ViT input must be square with a side that is a multiple of the patch "
                    + spec.patch() + ", got " + x.getShape());
        }
        int g = (int) (side / spec.patch());
        NDArray patches = patchEmbed.forward(ps, new NDList(x), training).singletonOrThrow() // N x W x g x g
                .reshape(n, w, (long) g * g) // N x W x P
                .transpose(0, 2, 1); // patches: N x P x W
        NDArray clsToken = ps.getValue(cls, x.getDevice(), training); // 1 x 1 x W, long-lived
        NDArray posEmbed = ps.getValue(pos, x.getDevice(), training); // 1 x T x W, long-lived
        if (g != grid) { // a smaller (multi-crop) or larger input: the patch positions resampled to g x g
            NDArray resample = m.create(resampling(grid, g), new Shape((long) g * g, (long) grid * grid)); // g² x grid²
            NDArray patchPos = resample.matMul(posEmbed.get(":, 1:, :").squeeze(0)).expandDims(0); // 1 x g² x W
            posEmbed = NDArrays.concat(new NDList(posEmbed.get(":, 0:1, :"), patchPos), 1); // posEmbed: 1 x (g² + 1) x W
        }
        NDArray clsBatch = m.zeros(new Shape(n, 1, w)).add(clsToken); // clsBatch: N x 1 x W, on m
        NDArray tokens = NDArrays.concat(new NDList(clsBatch, patches), 1).add(posEmbed); // tokens: N x T x W
        for (TransformerBlock b : blocks) {
            tokens = b.forward(ps, new NDList(tokens), training).singletonOrThrow(); // tokens: N x T x W
        }
        NDArray out = norm.forward(ps, new NDList(tokens), training).singletonOrThrow(); // out: N x T x W
        return new NDList(out.get(":, 0, :")); // h: N x W, the [CLS] token
    }

    /**
     * The bilinear map (half-pixel centres, edges clamped, as torch's {@code interpolate} with
     * {@code align_corners=False}) from a from x from grid to a to x to grid, row-major: to² x from².
     */
    static float[] resampling(int from, int to) {
        return RESAMPLING.computeIfAbsent(((long) from << 32) | to, k -> {
            double[][] w1 = new double[to][from]; // 1-D weights
            for (int o = 0; o < to; o++) {
                double src = Math.min(Math.max((o + 0.5) * from / to - 0.5, 0), from - 1);
                int i0 = (int) Math.floor(src);
                int i1 = Math.min(i0 + 1, from - 1);
                double frac = src - i0;
                w1[o][i0] += 1 - frac;
                w1[o][i1] += frac;
            }
            float[] out = new float[to * to * from * from];
            for (int oy = 0; oy < to; oy++) {
                for (int ox = 0; ox < to; ox++) {
                    for (int iy = 0; iy < from; iy++) {
                        for (int ix = 0; ix < from; ix++) {
                            out[(oy * to + ox) * from * from + iy * from + ix] = (float) (w1[oy][iy] * w1[ox][ix]);
                        }
                    }
                }
            }
            return out;
        });
    }

    private static final java.util.Map<Long, float[]> RESAMPLING = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), spec.width())};
    }

    @Override
    public String toString() {
        return "VisionTransformer(" + spec + ", tokens=" + tokens() + ")";
    }
}
