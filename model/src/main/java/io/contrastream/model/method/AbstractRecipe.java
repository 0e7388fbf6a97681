package io.contrastream.model.method;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.encoder.Encoders;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.param.Params;
import java.util.List;
import java.util.function.Supplier;

/**
 * What every image recipe shares on top of {@link RecipeBase}: the seeded encoder built from its
 * {@link EncoderConfig} (registered first), image views, embedding, and the view facts of its
 * {@link MethodSpec} (augmentations, views per record). A method supplies its loss ({@link #loss})
 * and what follows an applied update ({@link #afterUpdate}).
 *
 * <pre>{@code
 * final class MyMethod extends AbstractRecipe {
 *     static final MethodSpec SPEC = MethodSpec.builder("my-method", MyMethod::new).params(RecipeParams.COMMON)...build();
 *     MyMethod(Params p, EncoderConfig enc, Device d) {
 *         super(SPEC, p, enc, d);
 *         online = withEncoder(registerHead(projector(enc.outDim()))); // encoder then the proj-* MLP, trained
 *         target = momentumCopy(online, () -> projector(enc.outDim())); // its EMA copy, if the method has one
 *         initOptimizer();
 *     }
 *     protected NDArray loss(NDManager sm, ViewBatch b) { ... }
 * }
 * }</pre>
 */
public abstract class AbstractRecipe extends RecipeBase<ViewBatch> implements Recipe {
    protected final EncoderConfig encoderConfig;
    protected final Block encoder;
    private final List<Block> auxiliary = new java.util.ArrayList<>();

    /**
     * Refuses settings wrong together ({@link MethodSpec#check}) before anything is built.
     *
     * @param device where the recipe's arrays live and its steps run; null for DJL's default (a GPU
     *     when the engine sees one, else the CPU)
     */
    protected AbstractRecipe(MethodSpec spec, Params params, EncoderConfig encoderConfig, Device device) {
        super(checked(spec, params, encoderConfig), params, device);
        this.encoderConfig = encoderConfig;
        this.encoder = Encoders.build(encoderConfig);
        register(encoder, imageShape(2));
    }

    private static MethodSpec checked(MethodSpec spec, Params params, EncoderConfig enc) {
        spec.check(params, enc);
        return spec;
    }

    /** N x C x H x W of the encoder's input. */
    protected Shape imageShape(int n) {
        return new Shape(n, encoderConfig.inChannels(), encoderConfig.inputSize(), encoderConfig.inputSize());
    }

    /**
     * The projector that proj-layers, proj-hidden, proj-dim and proj-bn describe, on inputs of
     * {@code inDim}; not yet registered.
     */
    protected final Block projector(int inDim) {
        return projector(inDim, false);
    }

    /**
     * {@link #projector(int)}, with {@code normaliseOutput} its output batch-normalised as well (no
     * affine parameters) when proj-bn is on (SimSiam's and MoCo v3's projector).
     */
    protected final Block projector(int inDim, boolean normaliseOutput) {
        boolean bn = params.get(RecipeParams.PROJ_BN);
        return Mlp.build(params.get(RecipeParams.PROJ_LAYERS), inDim, params.get(RecipeParams.PROJ_HIDDEN),
                params.get(RecipeParams.PROJ_DIM), bn, normaliseOutput && bn);
    }

    /** Registers {@code head} as a trained block on the encoder's output and returns it. */
    protected final Block registerHead(Block head) {
        register(head, new Shape(2, encoderConfig.outDim()));
        return head;
    }

    /** The encoder followed by {@code head}, one block (its parameters are the encoder's and the head's). */
    protected final Block withEncoder(Block head) {
        return new SequentialBlock().add(encoder).add(head);
    }

    /**
     * A momentum copy of {@code online} (the encoder followed by a head): a fresh encoder followed by
     * {@code newHead.get()}, of the same structure, starting from online's values. Its block joins
     * {@link #auxiliaryBlocks()}, so a skipped step restores its batch-norm statistics too.
     */
    protected final MomentumCopy momentumCopy(Block online, Supplier<Block> newHead) {
        Block copy = new SequentialBlock().add(Encoders.build(encoderConfig)).add(newHead.get());
        MomentumCopy out = new MomentumCopy(online, copy, manager, imageShape(2));
        auxiliary.add(out.block());
        return out;
    }

    /**
     * Blocks outside the trained ones whose forward passes change state (momentum copies' batch norm):
     * those of {@link #momentumCopy}.
     */
    @Override
    protected List<Block> auxiliaryBlocks() {
        return auxiliary;
    }

    /** The method's queue of negatives, if it has one (stored row by row by the streaming trainer). */
    public java.util.Optional<KeyQueue> queue() {
        return java.util.Optional.empty();
    }

    /** As the spec says for these parameters. */
    @Override
    public final int viewsPerRecord() {
        return spec.viewCount(params);
    }

    @Override
    protected void checkBatch(ViewBatch batch) {
        if (batch.viewCount() != viewsPerRecord()) {
            throw new IllegalArgumentException(name + " takes " + viewsPerRecord() + " views per record, got "
                    + batch.viewCount());
        }
    }

    /** The encoder alone: serving embeds with h. */
    @Override
    protected List<Block> inferenceBlocks() {
        return List.of(encoder);
    }

    /**
     * Both views through the encoder and {@code head} in one pass (batch norm sees all 2N views, as
     * in SimCLR and InvaSpread); returns {z of view 0, z of view 1}, each N x dim.
     */
    protected NDArray[] headOfBothViews(NDManager sm, ViewBatch batch, Block head) {
        int n = batch.size();
        NDArray x = ai.djl.ndarray.NDArrays.concat(new NDList(batch.view(sm, 0), batch.view(sm, 1)), 0); // 2N x C x H x W
        NDArray z = forward(head, sm, forward(encoder, sm, x, true), true); // z: 2N x dim
        return new NDArray[] {z.get("0:{}", n), z.get("{}:", n)};
    }

    @Override
    public float[][] embed(float[] images, int n) {
        return Encoders.inference(encoder, manager, imageShape(n), images); // h: N x D, serving's forward pass
    }

    /**
     * The method's own normalised output head for evaluation where its paper evaluates there (InstDisc:
     * the 128-d features its memory bank holds and its kNN classifier compares); N x d.
     *
     * @throws UnsupportedOperationException for methods evaluated on h only
     */
    public float[][] embedHead(float[] images, int n) {
        throw new UnsupportedOperationException(name + " is evaluated on the encoder's h: use --features encoder");
    }

    /** The rows of an N x D array as Java arrays. */
    protected static float[][] rows(NDArray h) {
        return Encoders.rows(h);
    }

    @Override
    public ImageTransform augmentation() {
        return spec.augmentation(params, encoderConfig);
    }

    @Override
    public List<ImageTransform> viewAugmentations() {
        return spec.viewAugmentations(params, encoderConfig);
    }

    @Override
    public EncoderConfig encoderConfig() {
        return encoderConfig;
    }
}
