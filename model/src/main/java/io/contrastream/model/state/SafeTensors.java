package io.contrastream.model.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the little-endian data), for float32 tensors, so tools other
 * than this project (PyTorch, {@code safetensors}, numpy) can read an encoder.
 *
 * <pre>{@code
 * byte[] file = SafeTensors.write(SafeTensors.fromEncoder(recipe.exportEncoder()), Map.of("method", "simclr"));
 * SafeTensors.Contents c = SafeTensors.read(file);   // c.tensors().get("0.weight").shape(): [16, 1, 3, 3]
 * }</pre>
 *
 * <p>Tensor names are the PyTorch {@code state_dict} keys of {@code python/contrastream_torch.py}'s
 * modules, derived from DJL's parameter names ({@link #torchName}).
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A DJL child block's name: its 1-based position and a class name (SequentialBlock's children) or a field name. */
    private static final Pattern CHILD = Pattern.compile("([0-9]{2})([A-Za-z][A-Za-z0-9]*)");
    /** A recurrent layer's parameter: layer, input-to-hidden or hidden-to-hidden, weight or bias. */
    private static final Pattern RNN = Pattern.compile("l_([0-9]+)_(i2h|h2h)_(WEIGHT|BIAS)");
    private static final Map<String, String> PARAM = Map.of("gamma", "weight", "beta", "bias",
            "runningMean", "running_mean", "runningVar", "running_var");

    private SafeTensors() {}

    /** A float32 tensor, row-major. */
    public record Tensor(long[] shape, float[] data) {}

    /** What a file holds: its tensors in file order and its {@code __metadata__}. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /**
     * The tensors of an encoder's bytes ({@code Recipe.exportEncoder()}: {@link ParameterIO}'s layout, one
     * block after another), under PyTorch names; the blocks after the first (CMC's view encoders, CPC's
     * predictor) are prefixed with their index ({@code 1.}, {@code 2.}, ...).
     */
    public static Map<String, Tensor> fromEncoder(byte[] encoder) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoder));
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int block = 0; in.available() > 0; block++) {
            String prefix = block == 0 ? "" : block + ".";
            int count = in.readInt();
            for (int p = 0; p < count; p++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                long size = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = in.readLong();
                    size *= shape[i];
                }
                float[] data = new float[Math.toIntExact(size)];
                for (int i = 0; i < data.length; i++) {
                    data[i] = in.readFloat();
                }
                if (out.put(prefix + torchName(name), new Tensor(shape, data)) != null) {
                    throw new IOException("two parameters map to the name " + prefix + torchName(name));
                }
            }
        }
        return out;
    }

    /**
     * The PyTorch name of a DJL parameter: each child {@code NNClassName} becomes its 0-based index (as in
     * an {@code nn.Sequential}), a named child {@code NNname} its name, and batch/layer norm's
     * {@code gamma}, {@code beta}, {@code runningMean}, {@code runningVar} become {@code weight},
     * {@code bias}, {@code running_mean}, {@code running_var}, a GRU's {@code l_0_i2h_WEIGHT} becomes
     * {@code weight_ih_l0} (PyTorch's names); e.g. {@code 04SequentialBlock_01ParallelBlock_
     * 01SequentialBlock_02BatchNorm_gamma} → {@code 3.0.0.1.weight}, {@code 02block0_03proj_weight} →
     * {@code block0.proj.weight}.
     */
    public static String torchName(String djlName) {
        String[] parts = djlName.split("_");
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (Matcher m; i < parts.length - 1 && (m = CHILD.matcher(parts[i])).matches(); i++) {
            boolean positional = Character.isUpperCase(m.group(2).charAt(0));
            sb.append(positional ? String.valueOf(Integer.parseInt(m.group(1)) - 1) : m.group(2)).append('.');
        }
        String param = String.join("_", java.util.Arrays.copyOfRange(parts, i, parts.length));
        Matcher rnn = RNN.matcher(param);
        if (rnn.matches()) { // a GRU's: PyTorch's own names, same gate order (DJL hands these arrays to torch)
            return sb.append(rnn.group(3).toLowerCase(java.util.Locale.ROOT)).append('_')
                    .append(rnn.group(2).equals("i2h") ? "ih" : "hh").append("_l").append(rnn.group(1)).toString();
        }
        if (param.contains("_")) {
            throw new IllegalArgumentException("no PyTorch name for the DJL parameter " + djlName);
        }
        return sb.append(PARAM.getOrDefault(param, param)).toString();
    }

    /** The file: header (padded with spaces to a multiple of 8 bytes, as the format allows), then the data. */
    public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = offset + 4L * e.getValue().data().length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int headerLen = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + headerLen + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerLen).put(json);
        for (int i = json.length; i < headerLen; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            out.asFloatBuffer().put(t.data());
            out.position(out.position() + 4 * t.data().length);
        }
        return out.array();
    }

    /** Parses a file of float32 tensors, checking that every byte range lies inside the data. */
    public static Contents read(byte[] file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (file.length < 8) {
            throw new IOException("not a safetensors file: " + file.length + " bytes");
        }
        long headerLen = in.getLong();
        if (headerLen < 2 || headerLen > file.length - 8) {
            throw new IOException("safetensors header length " + headerLen + " does not fit a " + file.length
                    + "-byte file");
        }
        JsonNode header = JSON.readTree(new String(file, 8, (int) headerLen, StandardCharsets.UTF_8));
        long dataStart = 8 + headerLen;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            JsonNode t = e.getValue();
            if (e.getKey().equals("__metadata__")) {
                t.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            if (!"F32".equals(t.path("dtype").asText())) {
                throw new IOException("tensor " + e.getKey() + ": dtype " + t.path("dtype") + ", only F32 is read");
            }
            long[] shape = new long[t.path("shape").size()];
            long size = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.path("shape").get(i).asLong();
                size *= shape[i];
            }
            long begin = t.path("data_offsets").path(0).asLong(-1);
            long end = t.path("data_offsets").path(1).asLong(-1);
            if (begin < 0 || end != begin + 4 * size || dataStart + end > file.length) {
                throw new IOException("tensor " + e.getKey() + ": data_offsets [" + begin + ", " + end
                        + "] do not hold " + size + " floats inside the file");
            }
            float[] data = new float[Math.toIntExact(size)];
            in.position(Math.toIntExact(dataStart + begin));
            in.asFloatBuffer().get(data);
            tensors.put(e.getKey(), new Tensor(shape, data));
        }
        return new Contents(tensors, metadata);
    }
}
