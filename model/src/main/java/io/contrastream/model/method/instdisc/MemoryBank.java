package io.contrastream.model.method.instdisc;

import io.contrastream.model.util.Rng;

/**
 * InstDisc's memory bank for an unbounded stream: one normalised vector per instance id in a
 * ring of {@code capacity} slots. A new id takes the next slot (evicting the oldest instance, so
 * the bank is bounded by a size cap, first in first out); random negatives are random slots, drawn
 * in O(1) without scanning. A slot never written holds a random unit vector drawn from (seed, slot),
 * as the paper initialises its bank with random vectors. Storage is abstract: {@link InMemoryBank}
 * for the training loop, keyed RocksDB state in the streaming trainer.
 *
 * <pre>{@code
 * MemoryBank bank = new InMemoryBank(65536, 128, 42);
 * int slot = bank.slotFor(id);          // assigns a slot to a new id
 * float[] v = bank.row(slot);
 * bank.setRow(slot, updated);
 * }</pre>
 */
public abstract class MemoryBank {
    private final int capacity;
    private final int dim;
    private long seed;

    protected MemoryBank(int capacity, int dim, long seed) {
        if (capacity < 2 || dim < 1) {
            throw new IllegalArgumentException("memory bank needs capacity >= 2 and dim >= 1, got " + capacity + ", " + dim);
        }
        this.capacity = capacity;
        this.dim = dim;
        this.seed = seed;
    }

    public final int capacity() {
        return capacity;
    }

    public final int dim() {
        return dim;
    }

    /** The slot of an id, or -1 when the bank has not seen it (or evicted it). */
    public final int find(long id) {
        Integer s = lookup(id);
        return s == null ? -1 : s;
    }

    /** The slot of an id, assigning the next ring slot (and evicting its previous owner) to a new one. */
    public final int slotFor(long id) {
        Integer s = lookup(id);
        if (s != null) {
            return s;
        }
        int slot = (int) (next() % capacity);
        Long previous = owner(slot);
        if (previous != null) {
            unmap(previous);
        }
        map(id, slot);
        advance();
        return slot;
    }

    /** The vector in a slot: the stored one, or the slot's seeded random unit vector. */
    public final float[] row(int slot) {
        float[] v = stored(slot);
        return v != null ? v : initialRow(slot);
    }

    public abstract void setRow(int slot, float[] v);

    /** {@code m} slots drawn uniformly with replacement. */
    public final int[] sample(int m, Rng rng) {
        int[] out = new int[m];
        for (int i = 0; i < m; i++) {
            out[i] = rng.nextInt(capacity);
        }
        return out;
    }

    /** The seed of the never-written rows (saved with the bank). */
    public final long seed() {
        return seed;
    }

    protected final void reseed(long seed) {
        this.seed = seed;
    }

    /** True when the storage persists itself (keyed state); false when the recipe must save it. */
    public abstract boolean persistsItself();

    /**
     * The memory an instance starts with at its first sighting: a random unit vector seeded by its id, as
     * the paper initialises its bank with random vectors (so the first epoch pulls each instance towards
     * its own fixed random target instead of towards itself, which teaches nothing).
     */
    public final float[] initialMemory(long id) {
        return randomUnit(Rng.of(seed, 0x1D1D, id));
    }

    private float[] initialRow(int slot) {
        return randomUnit(Rng.of(seed, 0x1D15C, slot));
    }

    private float[] randomUnit(Rng r) {
        float[] v = new float[dim];
        double norm = 0;
        for (int j = 0; j < dim; j++) {
            v[j] = (float) r.nextGaussian();
            norm += (double) v[j] * v[j];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int j = 0; j < dim; j++) {
            v[j] *= inv;
        }
        return v;
    }

    // storage primitives

    protected abstract float[] stored(int slot);

    protected abstract Integer lookup(long id);

    protected abstract Long owner(int slot);

    protected abstract void map(long id, int slot);

    protected abstract void unmap(long id);

    /** Instances ever admitted (the ring position). */
    protected abstract long next();

    protected abstract void advance();
}
