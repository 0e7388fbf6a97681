package io.contrastream.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.contrastream.model.util.Rng;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * A fixed-capacity FIFO of normalised keys with its write pointer (MoCo's dictionary, He et al.,
 * CVPR 2020, arXiv:1911.05722, §3.2): the newest batch of keys replaces the oldest.
 *
 * <pre>{@code
 * KeyQueue queue = new KeyQueue(manager, 4096, 128, Rng.seeded(1));   // random unit keys at start
 * NDArray negatives = queue.keys();                                     // K x d
 * queue.enqueue(k);                                                     // k: N x d, normalised
 * }</pre>
 *
 * <p>The whole state (keys and pointer) is exported and imported bit-exact.
 */
public final class KeyQueue {
    private final NDArray keys; // keys: K x d
    private final int capacity;
    private final int dim;
    private int pointer;
    /** Rows written since {@link #markClean()} (bookkeeping for incremental state; not exported). */
    private long dirty;

    public KeyQueue(NDManager manager, int capacity, int dim, Rng rng) {
        if (capacity <= 0 || dim <= 0) {
            throw new IllegalArgumentException("queue capacity and dim must be positive, got " + capacity + ", " + dim);
        }
        this.capacity = capacity;
        this.dim = dim;
        float[] init = new float[capacity * dim];
        for (int i = 0; i < capacity; i++) {
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                float v = (float) rng.nextGaussian();
                init[i * dim + j] = v;
                norm += v * v;
            }
            float inv = (float) (1.0 / Math.sqrt(norm));
            for (int j = 0; j < dim; j++) {
                init[i * dim + j] *= inv;
            }
        }
        this.keys = manager.create(init, new Shape(capacity, dim));
        this.dirty = capacity; // every row is new to a row-wise store
    }

    /** The keys, K x d (owned by the queue: do not close). */
    public NDArray keys() {
        return keys;
    }

    public int capacity() {
        return capacity;
    }

    public int pointer() {
        return pointer;
    }

    /** Writes the batch over the oldest keys (wrapping around) and advances the pointer. */
    public void enqueue(NDArray batch) {
        int n = Math.toIntExact(batch.getShape().get(0));
        if (batch.getShape().get(1) != dim) {
            throw new IllegalArgumentException("keys have dim " + batch.getShape().get(1) + ", queue holds " + dim);
        }
        if (n > capacity) {
            throw new IllegalArgumentException("batch of " + n + " keys exceeds the queue capacity " + capacity);
        }
        int first = Math.min(n, capacity - pointer);
        keys.set(new NDIndex("{}:{}", pointer, pointer + first), batch.get("0:{}", first));
        if (first < n) {
            keys.set(new NDIndex("0:{}", n - first), batch.get("{}:{}", first, n));
        }
        pointer = (pointer + n) % capacity;
        dirty += n;
    }

    public int dim() {
        return dim;
    }

    /**
     * Indices of the rows written since the last {@link #markClean()}, oldest first: an owner that
     * stores the queue row by row (a keyed MapState ring buffer) writes only these.
     */
    public int[] dirtyRows() {
        int n = (int) Math.min(dirty, capacity);
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = Math.floorMod(pointer - n + i, capacity);
        }
        return rows;
    }

    public void markClean() {
        dirty = 0;
    }

    /** All keys, row-major K x d (a copy). */
    public float[] toArray() {
        return keys.toFloatArray();
    }

    /** Replaces every key and the pointer (e.g. from a row-wise store); the queue is then clean. */
    public void load(float[] values, int newPointer) {
        if (values.length != capacity * dim || newPointer < 0 || newPointer >= capacity) {
            throw new IllegalArgumentException("queue state of " + values.length + " values and pointer " + newPointer
                    + " does not fit a queue of " + capacity + " x " + dim);
        }
        io.contrastream.model.state.ParameterIO.assign(keys, values);
        pointer = newPointer;
        dirty = 0;
    }

    public void write(DataOutputStream out) throws IOException {
        out.writeInt(capacity);
        out.writeInt(dim);
        out.writeInt(pointer);
        for (float v : keys.toFloatArray()) {
            out.writeFloat(v);
        }
    }

    public void read(DataInputStream in) throws IOException {
        int c = in.readInt();
        int d = in.readInt();
        if (c != capacity || d != dim) {
            throw new IOException("state holds a queue of " + c + " x " + d + " but this one is " + capacity + " x " + dim);
        }
        int p = in.readInt();
        if (p < 0 || p >= capacity) {
            throw new IOException("state holds queue pointer " + p + " outside [0, " + capacity + ")");
        }
        float[] values = new float[capacity * dim];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readFloat();
        }
        io.contrastream.model.state.ParameterIO.assign(keys, values);
        pointer = p;
        dirty = capacity; // every row replaced
    }
}
