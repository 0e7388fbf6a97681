package io.contrastream.flink.operator;

import io.contrastream.model.method.instdisc.MemoryBank;
import java.io.UncheckedIOException;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * InstDisc's memory bank in the trainer's keyed state (RocksDB in the job): rows by slot, the
 * id → slot index and its inverse, and the ring position, all under the model id being trained.
 * Every write goes straight to the state backend, so a checkpoint holds exactly the bank of its
 * step and an incremental checkpoint carries only the rows written since the last one.
 *
 * <pre>{@code
 * instDisc.useBank(new StateBackedBank(getRuntimeContext(), capacity, dim, seed));
 * }</pre>
 *
 * <p>Use only while the keyed context is the model id (inside {@code processElement}).
 */
final class StateBackedBank extends MemoryBank {
    private final MapState<Integer, float[]> rows;
    private final MapState<Long, Integer> slots;
    private final MapState<Integer, Long> owners;
    private final ValueState<Long> admitted;

    StateBackedBank(RuntimeContext ctx, int capacity, int dim, long seed) {
        super(capacity, dim, seed);
        rows = ctx.getMapState(new MapStateDescriptor<>("bank-rows", Types.INT,
                PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        slots = ctx.getMapState(new MapStateDescriptor<>("bank-slots", Types.LONG, Types.INT));
        owners = ctx.getMapState(new MapStateDescriptor<>("bank-owners", Types.INT, Types.LONG));
        admitted = ctx.getState(new ValueStateDescriptor<>("bank-admitted", Types.LONG));
    }

    @Override
    public void setRow(int slot, float[] v) {
        io(() -> {
            rows.put(slot, v.clone());
            return null;
        });
    }

    @Override
    public boolean persistsItself() {
        return true;
    }

    @Override
    protected float[] stored(int slot) {
        return io(() -> rows.get(slot));
    }

    @Override
    protected Integer lookup(long id) {
        return io(() -> slots.get(id));
    }

    @Override
    protected Long owner(int slot) {
        return io(() -> owners.get(slot));
    }

    @Override
    protected void map(long id, int slot) {
        io(() -> {
            slots.put(id, slot);
            owners.put(slot, id);
            return null;
        });
    }

    @Override
    protected void unmap(long id) {
        io(() -> {
            slots.remove(id);
            return null;
        });
    }

    @Override
    protected long next() {
        Long n = io(admitted::value);
        return n == null ? 0 : n;
    }

    @Override
    protected void advance() {
        io(() -> {
            admitted.update(next() + 1);
            return null;
        });
    }

    private interface StateCall<T> {
        T call() throws Exception;
    }

    private static <T> T io(StateCall<T> c) {
        try {
            return c.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new UncheckedIOException(new java.io.IOException("memory bank state: " + e.getMessage(), e));
        }
    }
}
