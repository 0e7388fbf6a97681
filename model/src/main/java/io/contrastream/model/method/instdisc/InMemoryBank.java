package io.contrastream.model.method.instdisc;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link MemoryBank} on the Java heap (capacity x dim floats), saved with the recipe's state.
 *
 * <pre>{@code
 * InMemoryBank bank = new InMemoryBank(65536, 128, 42);
 * }</pre>
 */
public final class InMemoryBank extends MemoryBank {
    private final float[][] rows;
    private final long[] owners;
    private final boolean[] owned;
    private final Map<Long, Integer> slots = new HashMap<>();
    private long admitted;

    public InMemoryBank(int capacity, int dim, long seed) {
        super(capacity, dim, seed);
        this.rows = new float[capacity][];
        this.owners = new long[capacity];
        this.owned = new boolean[capacity];
    }

    @Override
    public void setRow(int slot, float[] v) {
        if (v.length != dim()) {
            throw new IllegalArgumentException("row of " + v.length + " values, bank holds " + dim());
        }
        rows[slot] = v.clone();
    }

    @Override
    public boolean persistsItself() {
        return false;
    }

    @Override
    protected float[] stored(int slot) {
        return rows[slot];
    }

    @Override
    protected Integer lookup(long id) {
        return slots.get(id);
    }

    @Override
    protected Long owner(int slot) {
        return owned[slot] ? owners[slot] : null;
    }

    @Override
    protected void map(long id, int slot) {
        slots.put(id, slot);
        owners[slot] = id;
        owned[slot] = true;
    }

    @Override
    protected void unmap(long id) {
        Integer slot = slots.remove(id);
        if (slot != null) {
            owned[slot] = false;
        }
    }

    @Override
    protected long next() {
        return admitted;
    }

    @Override
    protected void advance() {
        admitted++;
    }

    /** Every slot, owner and the ring position, in slot order (bit-exact). */
    public void write(DataOutputStream out) throws IOException {
        out.writeInt(capacity());
        out.writeInt(dim());
        out.writeLong(seed());
        out.writeLong(admitted);
        for (int s = 0; s < capacity(); s++) {
            Long o = owner(s);
            out.writeBoolean(o != null);
            if (o != null) {
                out.writeLong(o);
            }
            out.writeBoolean(rows[s] != null);
            if (rows[s] != null) {
                for (float f : rows[s]) {
                    out.writeFloat(f);
                }
            }
        }
    }

    public void read(DataInputStream in) throws IOException {
        if (in.readInt() != capacity() || in.readInt() != dim()) {
            throw new IOException("memory bank state of another capacity or dimension");
        }
        slots.clear();
        reseed(in.readLong());
        admitted = in.readLong();
        for (int s = 0; s < capacity(); s++) {
            owned[s] = false;
            if (in.readBoolean()) {
                map(in.readLong(), s);
            }
            rows[s] = null;
            if (in.readBoolean()) {
                float[] v = new float[dim()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = in.readFloat();
                }
                rows[s] = v;
            }
        }
    }
}
