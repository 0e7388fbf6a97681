package io.contrastream.model.method;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.encoder.EncoderModel;
import io.contrastream.model.encoder.Encoders;
import io.contrastream.model.encoder.SeededInitializer;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.optim.CosineSchedule;
import io.contrastream.model.optim.Optimizer;
import io.contrastream.model.optim.Optimizers;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.ParameterIO;
import io.contrastream.model.util.Rng;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every recipe shares: the seeded encoder, the trainable blocks, the optimizer and its
 * schedule, the step counter, the RNG, the numerics guard and the state format. A method supplies
 * its loss ({@link #loss}) and what follows an applied update ({@link #afterUpdate}).
 *
 * <pre>{@code
 * final class MyMethod extends AbstractRecipe {
 *     MyMethod(Params p, EncoderConfig enc) {
 *         super("my-method", p, enc, null);
 *         online = withEncoder(registerHead(projector(enc.outDim()))); // encoder then the proj-* MLP, trained
 *         target = momentumCopy(online, () -> projector(enc.outDim())); // its EMA copy, if the method has one
 *         initOptimizer();
 *     }
 *     protected NDArray loss(NDManager sm, ViewBatch b) { ... }
 * }
 * }</pre>
 *
 * <p>A step zeroes the gradients (the PyTorch engine accumulates them), records the forward pass
 * under a JVM-wide lock (one gradient collection per JVM), checks that the loss and every gradient
 * are finite, and only then updates the weights; a non-finite step is counted, logged and skipped.
 */
public abstract class AbstractRecipe implements Recipe {
    private static final Logger LOG = LoggerFactory.getLogger(AbstractRecipe.class);
    /** PyTorch allows one gradient collection per JVM at a time. */
    public static final Object GRADIENT_LOCK = new Object();
    private static final int STATE_MAGIC = 0x43535231; // "CSR1"

    protected final String name;
    protected final Params params;
    protected final EncoderConfig encoderConfig;
    protected final NDManager manager;
    protected final Block encoder;
    protected final Rng initRng;
    protected Rng rng;
    private final List<Block> trainable = new ArrayList<>();
    private final List<Parameter> trainableParams = new ArrayList<>();
    private final List<Block> auxiliary = new ArrayList<>();
    private Optimizer optimizer;
    private final CosineSchedule schedule;
    private long step;
    private long skipped;

    /**
     * @param device where the recipe's arrays live and its steps run; null for DJL's default (a GPU
     *     when the engine sees one, else the CPU)
     */
    protected AbstractRecipe(String name, Params params, EncoderConfig encoderConfig, Device device) {
        this.name = name;
        this.params = params;
        this.encoderConfig = encoderConfig;
        this.manager = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
        long seed = params.get(RecipeParams.SEED);
        this.initRng = Rng.of(seed, 1);
        this.rng = Rng.of(seed, 2);
        this.encoder = Encoders.build(encoderConfig);
        initBlock(encoder, imageShape(2));
        trainable.add(encoder);
        this.schedule = Optimizers.schedule(params); // total-steps 0 (a stream): constant lr after the warm-up
    }

    /** N x C x H x W of the encoder's input. */
    protected Shape imageShape(int n) {
        return new Shape(n, encoderConfig.inChannels(), encoderConfig.inputSize(), encoderConfig.inputSize());
    }

    /** Initialises a block with this recipe's seeded initialiser. */
    protected final void initBlock(Block block, Shape inputShape) {
        block.setInitializer(new SeededInitializer(initRng.split()), Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, inputShape);
    }

    /** Adds a trained block (a head); the encoder is registered already. */
    protected final void register(Block head, Shape inputShape) {
        initBlock(head, inputShape);
        trainable.add(head);
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

    /** Creates the optimizer over every registered block; call at the end of the constructor. */
    protected final void initOptimizer() {
        for (Block b : trainable) {
            b.getParameters().values().stream().filter(Parameter::requiresGradient).forEach(trainableParams::add);
        }
        optimizer = Optimizers.create(params, manager);
    }

    /** The batch-mean loss of the method; runs while gradients are recorded. */
    protected abstract NDArray loss(NDManager sm, ViewBatch batch);

    /**
     * Blocks outside the trained ones whose forward passes change state (momentum copies' batch norm):
     * those of {@link #momentumCopy}.
     */
    protected List<Block> auxiliaryBlocks() {
        return auxiliary;
    }

    /**
     * Runs between a finite backward pass and the optimizer step (gradient recording is off), e.g. to
     * zero the gradient of parameters held frozen for a while (SwAV's prototypes). Not called for a
     * skipped step.
     */
    protected void beforeUpdate(NDManager sm) {}

    /** Runs after an applied update (momentum copies, queues); gradient recording is off. */
    protected void afterUpdate(NDManager sm, ViewBatch batch) {}

    /** The method's extra state (momentum copies, and the queue when {@code withQueue}). */
    protected void writeExtra(DataOutputStream out, boolean withQueue) throws IOException {}

    protected void readExtra(DataInputStream in, boolean withQueue) throws IOException {}

    /** The method's queue of negatives, if it has one (stored row by row by the streaming trainer). */
    public java.util.Optional<KeyQueue> queue() {
        return java.util.Optional.empty();
    }

    /** Forward through a block; {@code training} selects batch statistics and updates running ones. */
    protected static NDArray forward(Block block, NDManager sm, NDArray x, boolean training) {
        return block.forward(new ParameterStore(sm, false), new NDList(x), training).singletonOrThrow();
    }

    /** Two views per record, unless the method says otherwise. */
    @Override
    public int viewsPerRecord() {
        return 2;
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

    /**
     * Parameters trained at the schedule's base rate, undecayed and without warm-up, instead of the
     * step's scheduled rate (SimSiam's predictor); none by default.
     */
    protected java.util.Set<Parameter> fixedRateParameters() {
        return java.util.Set.of();
    }

    private float[] learningRates(float scheduled) {
        java.util.Set<Parameter> fixed = fixedRateParameters();
        float[] lrs = new float[trainableParams.size()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = fixed.contains(trainableParams.get(i)) ? schedule.baseLr() : scheduled;
        }
        return lrs;
    }

    /** Evaluates without recording gradients (keys, targets), restoring the previous mode. */
    protected static NDArray noGrad(Supplier<NDArray> f) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return f.get();
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    @Override
    public final StepResult step(ViewBatch batch) {
        if (batch.viewCount() != viewsPerRecord()) {
            throw new IllegalArgumentException(name + " takes " + viewsPerRecord() + " views per record, got "
                    + batch.viewCount());
        }
        float lr = schedule.at(step);
        synchronized (GRADIENT_LOCK) {
            // grad mode is per thread and on by default on threads other than the one that loaded the
            // engine (Flink task threads): record only inside the collector, never during the update
            boolean wasRecording = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try (NDManager sm = manager.newSubManager()) {
                for (Parameter p : trainableParams) {
                    JniUtils.zeroGrad((PtNDArray) p.getArray());
                }
                List<NDArray[]> stats = snapshotRunningStats(sm);
                NDArray loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    loss = loss(sm, batch);
                    gc.backward(loss);
                }
                float value = loss.getFloat();
                if (!Float.isFinite(value) || !gradientsFinite(sm)) {
                    skipped++;
                    for (NDArray[] s : stats) { // a bad batch must not leave its statistics behind either
                        ParameterIO.assign(s[0], s[1].toFloatArray());
                    }
                    LOG.warn("{}: non-finite loss {} or gradient at step {}: update skipped ({} so far)", name, value,
                            step, skipped);
                    return new StepResult(step, value, lr, true);
                }
                beforeUpdate(sm);
                optimizer.step(trainableParams, learningRates(lr));
                afterUpdate(sm, batch);
                step++;
                return new StepResult(step, value, lr, false);
            } finally {
                JniUtils.setGradMode(wasRecording);
            }
        }
    }

    /** Copies of every batch-norm running statistic, to undo the forward pass of a skipped step. */
    private List<NDArray[]> snapshotRunningStats(NDManager sm) {
        List<NDArray[]> out = new ArrayList<>();
        List<Block> blocks = new ArrayList<>(trainable);
        blocks.addAll(auxiliaryBlocks());
        for (Block b : blocks) {
            for (Parameter p : b.getParameters().values()) {
                if (!p.requiresGradient()) {
                    NDArray copy = p.getArray().duplicate();
                    copy.attach(sm);
                    out.add(new NDArray[] {p.getArray(), copy});
                }
            }
        }
        return out;
    }

    private boolean gradientsFinite(NDManager sm) {
        NDArray total = sm.zeros(new Shape());
        for (Parameter p : trainableParams) {
            NDArray g = p.getArray().getGradient();
            g.attach(sm);
            total = total.add(g.sum());
        }
        return Float.isFinite(total.getFloat());
    }

    @Override
    public float[][] embed(float[] images, int n) {
        return EncoderModel.inference(encoder, manager, imageShape(n), images); // h: N x D, serving's forward pass
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
        float[] flat = h.toFloatArray();
        int n = Math.toIntExact(h.getShape().get(0));
        int d = Math.toIntExact(h.getShape().get(1));
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    @Override
    public ImageTransform augmentation() {
        return Recipes.augmentation(name, params, encoderConfig);
    }

    @Override
    public List<ImageTransform> viewAugmentations() {
        return Recipes.viewAugmentations(name, params, encoderConfig());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public EncoderConfig encoderConfig() {
        return encoderConfig;
    }

    public Params params() {
        return params;
    }

    @Override
    public long stepCount() {
        return step;
    }

    @Override
    public long skippedSteps() {
        return skipped;
    }

    /** The learning rate the next step will use. */
    public float currentLr() {
        return schedule.at(step);
    }

    @Override
    public byte[] exportState() {
        return exportState(true);
    }

    @Override
    public void importState(byte[] state) {
        importState(state, true);
    }

    /**
     * Every piece of training state; without the queue when {@code withQueue} is false (its owner
     * then stores {@link #queue()} itself, e.g. row by row).
     */
    public byte[] exportState(boolean withQueue) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(STATE_MAGIC);
            out.writeUTF(name);
            out.writeLong(step);
            out.writeLong(skipped);
            out.writeLong(rng.state());
            for (Block b : trainable) {
                ParameterIO.write(b, out);
            }
            optimizer.writeState(out);
            writeExtra(out, withQueue);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Restores {@link #exportState(boolean)} written with the same {@code withQueue}. */
    public void importState(byte[] state, boolean withQueue) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
            if (in.readInt() != STATE_MAGIC) {
                throw new IOException("not a contrastream recipe state");
            }
            String method = in.readUTF();
            if (!method.equals(name)) {
                throw new IOException("state of method '" + method + "' cannot be imported into '" + name + "'");
            }
            step = in.readLong();
            skipped = in.readLong();
            rng = Rng.fromState(in.readLong());
            for (Block b : trainable) {
                ParameterIO.read(b, in);
            }
            optimizer.readState(in);
            readExtra(in, withQueue);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import " + name + " state: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] exportEncoder() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            ParameterIO.write(encoder, out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads encoder weights written by {@link #exportEncoder()}. */
    public void importEncoder(byte[] weights) {
        try {
            ParameterIO.read(encoder, new DataInputStream(new ByteArrayInputStream(weights)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load encoder weights: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
