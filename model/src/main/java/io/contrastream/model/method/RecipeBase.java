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
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.contrastream.model.encoder.SeededInitializer;
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
 * What every recipe shares, image ({@link AbstractRecipe}) or audio ({@code Cpc}): the name from its
 * {@link MethodSpec}, the seeded initialiser and RNG, the trained blocks, the optimizer and its
 * schedule, the step counter, the numerics guard, the state format and the grad-mode rule. A
 * method supplies its blocks ({@link #register}) and its loss ({@link #loss}) over a batch {@code B}.
 *
 * <pre>{@code
 * final class MyMethod extends RecipeBase<AudioBatch> {
 *     MyMethod(Params p) { super(SPEC, p, null); register(net, new Shape(2, 1, 465)); initOptimizer(); }
 *     protected NDArray loss(NDManager sm, AudioBatch b) { ... }
 * }
 * }</pre>
 *
 * <p>A step zeroes the gradients (the PyTorch engine accumulates them), records the forward pass
 * under a JVM-wide lock (one gradient collection per JVM), checks that the loss and every gradient
 * are finite, and only then updates the weights; a non-finite step is counted, logged and skipped.
 * Weights are read in ({@link #importState}, {@link #importEncoder}) under the same lock with
 * gradient recording off, as {@link ParameterIO#assign} requires.
 *
 * <p>State layout (unchanged since the first release, magic "CSR1"): magic, method name, step,
 * skipped steps, RNG state, the parameters of every registered block in order, the optimizer's
 * state, then the method's extra state ({@link #writeExtra}).
 */
public abstract class RecipeBase<B> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecipeBase.class);
    /** PyTorch allows one gradient collection per JVM at a time. */
    public static final Object GRADIENT_LOCK = new Object();
    /** "CSR1": the first int of every exported state. */
    public static final int STATE_MAGIC = 0x43535231;

    protected final MethodSpec spec;
    protected final String name;
    protected final Params params;
    protected final NDManager manager;
    protected final Rng initRng;
    protected Rng rng;
    private final List<Block> trainable = new ArrayList<>();
    private final List<Parameter> trainableParams = new ArrayList<>();
    private Optimizer optimizer;
    private final CosineSchedule schedule;
    private long step;
    private long skipped;

    /**
     * @param device where the recipe's arrays live and its steps run; null for DJL's default (a GPU
     *     when the engine sees one, else the CPU)
     */
    protected RecipeBase(MethodSpec spec, Params params, Device device) {
        this.spec = spec;
        this.name = spec.name();
        this.params = params;
        this.manager = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
        long seed = params.get(RecipeParams.SEED);
        this.initRng = Rng.of(seed, 1);
        this.rng = Rng.of(seed, 2);
        this.schedule = Optimizers.schedule(params); // total-steps 0 (a stream): constant lr after the warm-up
    }

    /** Initialises a block with this recipe's seeded initialiser. */
    protected final void initBlock(Block block, Shape inputShape) {
        block.setInitializer(new SeededInitializer(initRng.split()), Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, inputShape);
    }

    /** Initialises and adds a trained block; blocks are stored in the order they are registered. */
    protected final void register(Block block, Shape inputShape) {
        initBlock(block, inputShape);
        trainable.add(block);
    }

    /** Creates the optimizer over every registered block; call at the end of the constructor. */
    protected final void initOptimizer() {
        for (Block b : trainable) {
            b.getParameters().values().stream().filter(Parameter::requiresGradient).forEach(trainableParams::add);
        }
        optimizer = Optimizers.create(params, manager);
    }

    /** Refuses a batch the method cannot take (wrong view count, too short windows), before any work. */
    protected void checkBatch(B batch) {}

    /** The batch-mean loss of the method; runs while gradients are recorded. */
    protected abstract NDArray loss(NDManager sm, B batch);

    /** Blocks outside the trained ones whose forward passes change state (momentum copies' batch norm). */
    protected List<Block> auxiliaryBlocks() {
        return List.of();
    }

    /**
     * Runs between a finite backward pass and the optimizer step (gradient recording is off), e.g. to
     * zero the gradient of parameters held frozen for a while (SwAV's prototypes). Not called for a
     * skipped step.
     */
    protected void beforeUpdate(NDManager sm) {}

    /** Runs after an applied update (momentum copies, queues); gradient recording is off. */
    protected void afterUpdate(NDManager sm, B batch) {}

    /** The method's extra state (momentum copies, and the queue when {@code withQueue}). */
    protected void writeExtra(DataOutputStream out, boolean withQueue) throws IOException {}

    protected void readExtra(DataInputStream in, boolean withQueue) throws IOException {}

    /** The blocks {@link #exportEncoder()} writes: what serving needs. */
    protected abstract List<Block> inferenceBlocks();

    /**
     * Parameters trained at the schedule's base rate, undecayed and without warm-up, instead of the
     * step's scheduled rate (SimSiam's predictor); none by default.
     */
    protected java.util.Set<Parameter> fixedRateParameters() {
        return java.util.Set.of();
    }

    /** Forward through a block; {@code training} selects batch statistics and updates running ones. */
    protected static NDArray forward(Block block, NDManager sm, NDArray x, boolean training) {
        return block.forward(new ParameterStore(sm, false), new NDList(x), training).singletonOrThrow();
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

    private float[] learningRates(float scheduled) {
        java.util.Set<Parameter> fixed = fixedRateParameters();
        float[] lrs = new float[trainableParams.size()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = fixed.contains(trainableParams.get(i)) ? schedule.baseLr() : scheduled;
        }
        return lrs;
    }

    /** One optimisation step on a batch. A non-finite loss or gradient skips the update. */
    public final StepResult step(B batch) {
        checkBatch(batch);
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

    /** The spec this recipe was built from. */
    public MethodSpec spec() {
        return spec;
    }

    /** The method name, e.g. {@code moco-v2}. */
    public String name() {
        return name;
    }

    public Params params() {
        return params;
    }

    /** Steps taken (skipped ones excluded). */
    public long stepCount() {
        return step;
    }

    /** Steps the numerics guard skipped. */
    public long skippedSteps() {
        return skipped;
    }

    /** The learning rate the next step will use. */
    public float currentLr() {
        return schedule.at(step);
    }

    /** Every piece of training state, bit-exact. */
    public byte[] exportState() {
        return exportState(true);
    }

    /** Restores a state exported by a recipe of the same method and configuration. */
    public void importState(byte[] state) {
        importState(state, true);
    }

    /**
     * Every piece of training state; without the queue when {@code withQueue} is false (its owner
     * then stores the queue itself, e.g. row by row).
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
            long s = in.readLong();
            long sk = in.readLong();
            Rng r = Rng.fromState(in.readLong());
            withoutGradients(() -> {
                for (Block b : trainable) {
                    ParameterIO.read(b, in);
                }
                optimizer.readState(in);
                readExtra(in, withQueue);
            });
            step = s;
            skipped = sk;
            rng = r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import " + name + " state: " + e.getMessage(), e);
        }
    }

    /** The weights of {@link #inferenceBlocks()} only (for serving), bit-exact. */
    public byte[] exportEncoder() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            for (Block b : inferenceBlocks()) {
                ParameterIO.write(b, out);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads weights written by {@link #exportEncoder()} of the same configuration. */
    public void importEncoder(byte[] weights) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(weights));
            withoutGradients(() -> {
                for (Block b : inferenceBlocks()) {
                    ParameterIO.read(b, in);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + name + " weights: " + e.getMessage(), e);
        }
    }

    /** Reading weights in place: one thread at a time, gradient recording off (ParameterIO.assign's rule). */
    private static void withoutGradients(IoAction read) throws IOException {
        synchronized (GRADIENT_LOCK) {
            boolean was = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                read.run();
            } finally {
                JniUtils.setGradMode(was);
            }
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    @Override
    public void close() {
        manager.close();
    }
}
