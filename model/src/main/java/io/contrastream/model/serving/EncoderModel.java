package io.contrastream.model.serving;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.contrastream.model.augment.audio.LogMelView;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.encoder.Encoders;
import io.contrastream.model.encoder.SeededInitializer;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.cmc.Cmc;
import io.contrastream.model.method.cmc.CmcViews;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.ParameterIO;
import io.contrastream.model.util.Rng;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An encoder for serving: the network f and its weights, nothing of training (no heads, optimizer,
 * momentum copy or queue), built from the encoder's configuration alone.
 *
 * <pre>{@code
 * try (EncoderModel m = new EncoderModel(EncoderConfig.smallResNet(1, 28), 42, null)) {
 *     m.importEncoder(recipe.exportEncoder());   // or ModelStore.readEncoder(uri): the same bytes
 *     float[][] h = m.embed(images, n);          // N x 128, what recipe.embed(images, n) gives, bit for bit
 * }
 * }</pre>
 *
 * <p>Initialised with the seed a recipe of the same seed gives its encoder, so before any weights are
 * imported it embeds with the recipe's version-0 weights. CMC's encoder is one network per view
 * ({@link #forRecipe}): each image view is computed from the input and embedded by its own network,
 * and h is their concatenation, as {@code Cmc.embed} gives it. The forward pass is
 * {@link Encoders#inference}, which {@link AbstractRecipe#embed} runs too.
 */
public final class EncoderModel implements AutoCloseable {
    private final EncoderConfig input;
    private final NDManager manager;
    /** The view each encoder sees (CMC), or null for the input itself. */
    private final List<String> views;
    private final List<EncoderConfig> configs;
    private final List<Block> encoders = new ArrayList<>();
    /** Encoders whose output is part of h (CMC's audio encoder is imported but embeds no image). */
    private final int embedding;

    /**
     * The encoder a recipe of seed {@code seed} starts from.
     *
     * @param device where the weights live and the forward passes run; null for DJL's default
     */
    public EncoderModel(EncoderConfig cfg, long seed, Device device) {
        this(cfg, seed, device, java.util.Collections.singletonList(null));
    }

    private EncoderModel(EncoderConfig cfg, long seed, Device device, List<String> views) {
        this.input = cfg;
        this.views = views;
        this.manager = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
        Rng initRng = Rng.of(seed, 1); // the stream AbstractRecipe draws its encoders' weights from, in this order
        List<EncoderConfig> cs = new ArrayList<>();
        for (String v : views) {
            EncoderConfig c = v == null ? cfg : viewEncoder(v, cfg);
            Block e = Encoders.build(c);
            e.freezeParameters(true); // before initialisation: no gradient buffers, none are ever needed
            e.setInitializer(new SeededInitializer(initRng.split()), Parameter.Type.WEIGHT);
            e.initialize(manager, DataType.FLOAT32, new Shape(2, c.inChannels(), c.inputSize(), c.inputSize()));
            encoders.add(e);
            cs.add(c);
        }
        this.configs = List.copyOf(cs);
        this.embedding = (int) views.stream().filter(v -> !Cmc.AUDIO.equals(v)).count();
    }

    /**
     * The encoder of {@code method} trained with {@code params} on inputs of {@code enc}: the image
     * encoder, or CMC's encoder of each view {@code cmc-views} selects.
     */
    public static EncoderModel forRecipe(String method, Params params, EncoderConfig enc, Device device) {
        long seed = params.get(RecipeParams.SEED);
        if (!multiView(params)) {
            return new EncoderModel(enc, seed, device);
        }
        return new EncoderModel(enc, seed, device, Cmc.views(params, enc));
    }

    /** Whether the method trains one encoder per view (it declares cmc-views), not one image encoder. */
    private static boolean multiView(Params params) {
        return params.declares(RecipeParams.CMC_VIEWS);
    }

    /**
     * What another tool needs to rebuild and use the encoder of {@code method} trained with {@code params}
     * on inputs of {@code enc} (what {@code SavedModel.describe} reads back from a
     * model-store version): {@code method},
     * {@code architecture}, {@code input_channels}, {@code input_size}, {@code embedding_dim}, {@code metric}
     * ({@code cosine}: h is not L2-normalised), {@code seed} (of the initial weights) and, for CMC, the
     * {@code views} whose h are concatenated.
     */
    public static Map<String, String> metadata(String method, Params params, EncoderConfig enc) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("method", method);
        out.put("architecture", enc.arch());
        out.put("input_channels", String.valueOf(enc.inChannels()));
        out.put("input_size", String.valueOf(enc.inputSize()));
        int dim = enc.outDim();
        if (multiView(params)) {
            List<String> views = Cmc.views(params, enc);
            dim = (int) views.stream().filter(v -> !Cmc.AUDIO.equals(v)).count() * enc.outDim();
            out.put("views", String.join(",", views));
        }
        out.put("embedding_dim", String.valueOf(dim));
        out.put("metric", "cosine");
        out.put("seed", String.valueOf(params.get(RecipeParams.SEED)));
        return out;
    }

    /** The network of a CMC view: the image encoder on the view's channels, or its arch on the log-mel image. */
    private static EncoderConfig viewEncoder(String view, EncoderConfig enc) {
        return view.equals(Cmc.AUDIO) ? EncoderConfig.preset(enc.arch(), 1, LogMelView.SIZE)
                : enc.withInChannels(CmcViews.channels(view));
    }

    /** The configuration of the input images. */
    public EncoderConfig encoderConfig() {
        return input;
    }

    /** Dimension of h: the encoder's, times the image views for CMC. */
    public int embeddingDim() {
        int d = 0;
        for (int i = 0; i < embedding; i++) {
            d += configs.get(i).outDim();
        }
        return d;
    }

    /** The networks, in the order {@link #importEncoder} reads them (one, or CMC's per view). */
    public List<Block> encoders() {
        return List.copyOf(encoders);
    }

    /** Every weight and running statistic of the networks, in scalars. */
    public long parameterCount() {
        long n = 0;
        for (Block e : encoders) {
            for (Pair<String, Parameter> p : e.getParameters()) {
                n += p.getValue().getArray().size();
            }
        }
        return n;
    }

    /** Loads the bytes {@code Recipe.exportEncoder()} writes (the model store's {@code encoder.bin}). */
    public void importEncoder(byte[] weights) {
        synchronized (AbstractRecipe.GRADIENT_LOCK) {
            boolean was = JniUtils.isGradMode();
            JniUtils.setGradMode(false); // ParameterIO.assign writes in place: nothing may be recorded
            try {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(weights));
                for (Block e : encoders) {
                    ParameterIO.read(e, in);
                }
                if (in.available() > 0) {
                    throw new IOException(in.available() + " bytes left after the encoder: written by another"
                            + " model configuration");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load encoder weights: " + e.getMessage(), e);
            } finally {
                JniUtils.setGradMode(was);
            }
        }
    }

    /** Representations h of {@code n} images (flat N x C x H x W floats), inference mode: N x D. */
    public float[][] embed(float[] images, int n) {
        int size = input.inputSize();
        Shape shape = new Shape(n, input.inChannels(), size, size);
        if (views.get(0) == null) {
            return Encoders.inference(encoders.get(0), manager, shape, images);
        }
        float[][] out = new float[n][embeddingDim()];
        int at = 0;
        for (int v = 0; v < embedding; v++) {
            String view = views.get(v);
            int c = CmcViews.channels(view);
            float[] x = CmcViews.compute(view, images, n, input.inChannels(), size, size); // N x c x H x W
            float[][] h = Encoders.inference(encoders.get(v), manager, new Shape(n, c, size, size), x); // N x D
            for (int i = 0; i < n; i++) {
                System.arraycopy(h[i], 0, out[i], at, h[i].length); // the views' h side by side, view order
            }
            at += configs.get(v).outDim();
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
