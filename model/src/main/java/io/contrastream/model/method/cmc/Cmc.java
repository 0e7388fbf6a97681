package io.contrastream.model.method.cmc;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.encoder.Encoders;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.loss.CmcLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.ParameterIO;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Contrastive Multiview Coding (Tian, Krishnan &amp; Isola, 2019, arXiv:1906.05849): one augmented crop
 * of each image is split into V views ({@link CmcViews}), each view has its own encoder and linear
 * head, and {@link CmcLoss} contrasts the views of a record against those of the other records.
 *
 * <pre>{@code
 * Cmc cmc = new Cmc(RecipeParams.defaults("cmc"), EncoderConfig.smallResNet(1, 28));   // intensity | Sobel
 * StepResult s = cmc.step(batch);             // batch: 1 augmented crop per record
 * float[][] h = cmc.embed(images, n);         // N x (V · 128): the views' h concatenated, as the paper evaluates
 * }</pre>
 *
 * <p>Views ({@code cmc-views}): {@code auto} takes intensity and Sobel edge magnitude for gray input
 * and L and ab of CIE Lab for RGB input; any list of two or more of intensity, sobel, l, ab works
 * (e.g. {@code l,ab,sobel} for three views). {@code cmc-graph} chooses the full graph or the core
 * view (view 0 against the rest). The cross-modal pair (image and audio of one key) is not here.
 */
public final class Cmc extends AbstractRecipe {
    private final EncoderConfig input;
    private final List<String> views;
    private final List<Block> encoders = new ArrayList<>();
    private final List<Block> heads = new ArrayList<>();
    private final CmcLoss loss;

    public Cmc(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public Cmc(Params params, EncoderConfig enc, Device device) {
        super("cmc", params, enc.withInChannels(CmcViews.channels(views(params, enc).get(0))), device);
        this.input = enc;
        this.views = views(params, enc);
        encoders.add(encoder);
        for (int v = 1; v < views.size(); v++) {
            EncoderConfig ev = enc.withInChannels(CmcViews.channels(views.get(v)));
            Block e = Encoders.build(ev);
            register(e, new Shape(2, ev.inChannels(), ev.inputSize(), ev.inputSize()));
            encoders.add(e);
        }
        for (int v = 0; v < views.size(); v++) {
            Block head = Mlp.projector(params.get(RecipeParams.PROJ_LAYERS), enc.outDim(),
                    params.get(RecipeParams.PROJ_HIDDEN), params.get(RecipeParams.PROJ_DIM),
                    params.get(RecipeParams.PROJ_BN));
            register(head, new Shape(2, enc.outDim()));
            heads.add(head);
        }
        CmcLoss.Graph graph = CmcLoss.Graph.valueOf(params.get(RecipeParams.CMC_GRAPH).toUpperCase(Locale.ROOT));
        this.loss = new CmcLoss(params.get(RecipeParams.TEMPERATURE).floatValue(), graph);
        initOptimizer();
    }

    /** The views {@code cmc-views} selects for inputs of {@code enc}'s channels. */
    public static List<String> views(Params params, EncoderConfig enc) {
        String s = params.get(RecipeParams.CMC_VIEWS);
        List<String> v = s.equals("auto")
                ? (enc.inChannels() == 3 ? List.of("l", "ab") : List.of("intensity", "sobel"))
                : List.of(s.split(","));
        for (String view : v) {
            if (CmcViews.needsColour(view) && enc.inChannels() != 3) {
                throw new IllegalArgumentException("cmc-views " + s + ": view '" + view + "' needs RGB input"
                        + " (channels 3); for gray input use intensity,sobel");
            }
        }
        return v;
    }

    public List<String> views() {
        return views;
    }

    /** The images' shape (the encoders see the views' channels). */
    @Override
    public EncoderConfig encoderConfig() {
        return input;
    }

    /** One crop per record; the views are computed from it. */
    @Override
    public int viewsPerRecord() {
        return 1;
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        List<NDArray> z = new ArrayList<>(views.size());
        for (int v = 0; v < views.size(); v++) {
            NDArray x = view(sm, v, batch.views().get(0), batch.size()); // x: N x C_v x H x W
            z.add(forward(heads.get(v), sm, forward(encoders.get(v), sm, x, true), true)); // z_v: N x dim
        }
        return loss.compute(z);
    }

    private NDArray view(NDManager sm, int v, float[] images, int n) {
        int size = input.inputSize();
        float[] x = CmcViews.compute(views.get(v), images, n, input.inChannels(), size, size);
        return sm.create(x, new Shape(n, CmcViews.channels(views.get(v)), size, size));
    }

    /** h of every view's encoder, concatenated: N x (V · D). */
    @Override
    public float[][] embed(float[] images, int n) {
        try (NDManager sm = manager.newSubManager()) {
            NDList hs = new NDList();
            for (int v = 0; v < views.size(); v++) {
                int view = v;
                hs.add(noGrad(() -> forward(encoders.get(view), sm, view(sm, view, images, n), false))); // N x D
            }
            return rows(NDArrays.concat(hs, 1)); // h: N x (V · D)
        }
    }

    /** Every view's encoder, in view order. */
    @Override
    public byte[] exportEncoder() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            for (Block e : encoders) {
                ParameterIO.write(e, out);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void importEncoder(byte[] weights) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(weights));
            for (Block e : encoders) {
                ParameterIO.read(e, in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load CMC encoder weights: " + e.getMessage(), e);
        }
    }
}
