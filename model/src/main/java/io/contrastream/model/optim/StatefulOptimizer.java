package io.contrastream.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The shared machinery of our optimizers: per-position state slots (name, shape, step count, float
 * buffers) owned by one long-lived {@link NDManager}, their bit-exact export, and a per-step
 * sub-manager that takes every temporary so memory does not grow.
 *
 * <pre>{@code
 * final class SignSgd extends StatefulOptimizer {
 *     SignSgd(NDManager m) { super(m, 0); }
 *     public String name() { return "signsgd"; }
 *     protected float[] hyperParameters() { return new float[0]; }
 *     protected void update(Slot s, Parameter p, NDArray w, NDArray g, float lr, NDManager step) {
 *         w.subi(g.sign().mul(step.create(lr)));
 *     }
 * }
 * }</pre>
 *
 * <p>Inside {@link #update} the weight {@code w} is a detached view that shares storage with the
 * parameter (so in-place ops on it update the model, and no autograd graph is recorded even on a
 * thread whose grad mode is on) and, like the gradient {@code g}, belongs to the step's sub-manager.
 * Results of ops join the manager of their receiver, so ops on {@code w}, {@code g} or arrays
 * created from {@code step} are freed at the end of the step; to compute from a state buffer, start
 * from {@link #view(NDArray, NDManager)}. Buffers given to
 * {@link Slot#setBuffer} are moved to the long-lived manager.
 */
public abstract class StatefulOptimizer implements Optimizer {
    private static final int MAGIC = 0x43534F50; // "CSOP"
    private static final int FORMAT_VERSION = 1;

    /** Owns every state buffer; given by the caller, closed by the caller. */
    protected final NDManager manager;
    private final int bufferCount;
    private List<Slot> slots; // null until the first step or restore

    /**
     * @param manager a long-lived manager that will own the state buffers
     * @param bufferCount how many float buffers each parameter keeps (e.g. 1 for momentum, 2 for Adam)
     */
    protected StatefulOptimizer(NDManager manager, int bufferCount) {
        if (manager == null) {
            throw new IllegalArgumentException("manager must not be null");
        }
        this.manager = manager;
        this.bufferCount = bufferCount;
    }

    /** Hyper-parameters written with the state and required to match on restore. */
    protected abstract float[] hyperParameters();

    /**
     * Applies one update to one trainable parameter. {@code slot.steps()} already counts this step.
     *
     * @param slot this parameter's state
     * @param param the parameter (for its name)
     * @param w detached view of the weight, to update in place
     * @param g the gradient (do not modify it in place)
     * @param lr the learning rate of this step
     * @param step the step's sub-manager, for constants and temporaries
     */
    protected abstract void update(Slot slot, Parameter param, NDArray w, NDArray g, float lr, NDManager step);

    /**
     * A detached alias of {@code array} (same storage, no copy) owned by {@code step}, so that ops
     * on it produce temporaries of the step instead of joining a long-lived manager.
     */
    protected static NDArray view(NDArray array, NDManager step) {
        NDArray alias = array.stopGradient();
        alias.attach(step);
        return alias;
    }

    @Override
    public final void step(List<Parameter> params, float lr) {
        float[] lrs = new float[params.size()];
        java.util.Arrays.fill(lrs, lr);
        step(params, lrs);
    }

    @Override
    public final void step(List<Parameter> params, float[] lrs) {
        if (lrs.length != params.size()) {
            throw new IllegalArgumentException(lrs.length + " learning rates for " + params.size() + " parameters");
        }
        if (slots == null) {
            slots = new ArrayList<>(params.size());
            for (Parameter p : params) {
                slots.add(new Slot(p.getName(), p.getArray().getShape(), bufferCount));
            }
        } else {
            verifyState(params);
        }
        try (NDManager step = manager.newSubManager()) {
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                if (!p.requiresGradient()) {
                    continue;
                }
                NDArray weight = p.getArray();
                if (weight.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException("parameter #" + i + " '" + p.getName()
                            + "' is " + weight.getDataType() + "; only FLOAT32 is supported");
                }
                NDArray w = view(weight, step);
                NDArray g;
                if (weight.hasGradient()) {
                    g = weight.getGradient(); // a new handle in the weight's manager: move it
                    g.attach(step);
                } else {
                    g = step.zeros(weight.getShape(), DataType.FLOAT32);
                }
                Slot slot = slots.get(i);
                slot.steps++;
                update(slot, p, w, g, lrs[i], step);
            }
        }
    }

    @Override
    public final void verifyState(List<Parameter> params) {
        if (slots == null) {
            return;
        }
        if (slots.size() != params.size()) {
            throw new IllegalStateException(name() + " optimizer state mismatch: state holds "
                    + slots.size() + " parameters but " + params.size() + " were given");
        }
        for (int i = 0; i < params.size(); i++) {
            Slot s = slots.get(i);
            Parameter p = params.get(i);
            Shape shape = p.getArray().getShape();
            if (!s.name.equals(p.getName()) || !s.shape.equals(shape)) {
                throw new IllegalStateException(name() + " optimizer state mismatch at parameter #"
                        + i + ": state has '" + s.name + "' " + s.shape + " but the model has '"
                        + p.getName() + "' " + shape);
            }
        }
    }

    @Override
    public final void writeState(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(FORMAT_VERSION);
        out.writeUTF(name());
        float[] hyper = hyperParameters();
        out.writeInt(hyper.length);
        writeFloats(out, hyper);
        List<Slot> current = slots == null ? List.of() : slots;
        out.writeInt(current.size());
        for (Slot s : current) {
            out.writeUTF(s.name);
            long[] dims = s.shape.getShape();
            out.writeInt(dims.length);
            for (long d : dims) {
                out.writeLong(d);
            }
            out.writeLong(s.steps);
            out.writeInt(s.buffers.length);
            for (NDArray b : s.buffers) {
                out.writeBoolean(b != null);
                if (b != null) {
                    float[] values = b.toFloatArray();
                    out.writeInt(values.length);
                    writeFloats(out, values);
                }
            }
        }
    }

    @Override
    public final void readState(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not an optimizer state (bad magic number)");
        }
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IOException("unsupported optimizer state version " + version);
        }
        String type = in.readUTF();
        if (!type.equals(name())) {
            throw new IllegalStateException("optimizer state mismatch: state was written by '" + type
                    + "' but is being restored into '" + name() + "'");
        }
        float[] hyper = readFloats(in, in.readInt());
        float[] mine = hyperParameters();
        if (!Arrays.equals(hyper, mine)) {
            throw new IllegalStateException(name() + " optimizer state mismatch: hyper-parameters "
                    + Arrays.toString(hyper) + " in the state, " + Arrays.toString(mine) + " configured");
        }
        int count = in.readInt();
        List<Slot> restored = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                String pname = in.readUTF();
                long[] dims = new long[in.readInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.readLong();
                }
                Slot s = new Slot(pname, new Shape(dims), bufferCount);
                s.steps = in.readLong();
                int nbuf = in.readInt();
                if (nbuf != bufferCount) {
                    throw new IOException("parameter #" + i + " has " + nbuf + " buffers, expected " + bufferCount);
                }
                restored.add(s);
                for (int b = 0; b < nbuf; b++) {
                    if (in.readBoolean()) {
                        int len = in.readInt();
                        if (len != s.shape.size()) {
                            throw new IOException("buffer of parameter #" + i + " has " + len
                                    + " values for shape " + s.shape);
                        }
                        s.setBuffer(b, manager.create(readFloats(in, len), s.shape));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            restored.forEach(Slot::close);
            throw e;
        }
        if (slots != null) {
            slots.forEach(Slot::close);
        }
        slots = restored.isEmpty() ? null : restored; // a state written before any step binds to nothing yet
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES); // big-endian, raw bits
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
    }

    private static float[] readFloats(DataInputStream in, int n) throws IOException {
        if (n < 0) {
            throw new IOException("negative length " + n);
        }
        byte[] raw = new byte[n * Float.BYTES];
        in.readFully(raw);
        float[] values = new float[n];
        ByteBuffer.wrap(raw).asFloatBuffer().get(values);
        return values;
    }

    /** The state kept for one parameter position. */
    protected final class Slot {
        private final String name;
        private final Shape shape;
        private final NDArray[] buffers;
        private long steps;

        private Slot(String name, Shape shape, int bufferCount) {
            this.name = name;
            this.shape = shape;
            this.buffers = new NDArray[bufferCount];
        }

        /** Number of updates applied to this parameter, including the current one. */
        public long steps() {
            return steps;
        }

        /** Buffer {@code i}, or null before it is first set. */
        public NDArray buffer(int i) {
            return buffers[i];
        }

        /** Stores {@code value} as buffer {@code i}, moving it to the long-lived manager. */
        public void setBuffer(int i, NDArray value) {
            if (buffers[i] != null && buffers[i] != value) {
                buffers[i].close();
            }
            value.attach(manager);
            buffers[i] = value;
        }

        private void close() {
            for (NDArray b : buffers) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }
}
