package io.contrastream.model.state;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;

/**
 * Bit-exact export and import of every parameter of a block (weights and batch-norm running
 * statistics), in place: the parameter arrays keep their identity and gradient attachment.
 *
 * <pre>{@code
 * ParameterIO.write(encoder, out);
 * ParameterIO.read(freshEncoder, in);   // same structure; names and shapes are checked
 * }</pre>
 *
 * <p>DJL's {@code Block.loadParameters} replaces the arrays (dropping their gradient flag and
 * leaking the old ones), so training state uses this instead.
 */
public final class ParameterIO {
    private ParameterIO() {}

    public static void write(Block block, DataOutputStream out) throws IOException {
        var params = block.getParameters();
        out.writeInt(params.size());
        for (Pair<String, Parameter> p : params) {
            NDArray a = p.getValue().getArray();
            out.writeUTF(p.getKey());
            long[] shape = a.getShape().getShape();
            out.writeInt(shape.length);
            for (long d : shape) {
                out.writeLong(d);
            }
            float[] values = a.toFloatArray();
            for (float v : values) {
                out.writeFloat(v);
            }
        }
    }

    public static void read(Block block, DataInputStream in) throws IOException {
        var params = block.getParameters();
        int count = in.readInt();
        if (count != params.size()) {
            throw new IOException("state holds " + count + " parameters but the block has " + params.size()
                    + ": the state was written by a different model configuration");
        }
        for (Pair<String, Parameter> p : params) {
            String name = in.readUTF();
            if (!name.equals(p.getKey())) {
                throw new IOException("state parameter '" + name + "' where the block has '" + p.getKey() + "'");
            }
            long[] shape = new long[in.readInt()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = in.readLong();
            }
            NDArray a = p.getValue().getArray();
            if (!a.getShape().equals(new Shape(shape))) {
                throw new IOException("state parameter '" + name + "' has shape " + new Shape(shape)
                        + " but the block's is " + a.getShape());
            }
            float[] values = new float[Math.toIntExact(a.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = in.readFloat();
            }
            assign(a, values);
        }
    }

    /** Overwrites the values of {@code target} in place (call with gradient recording off). */
    public static void assign(NDArray target, float[] values) {
        target.set(FloatBuffer.wrap(values));
    }
}
