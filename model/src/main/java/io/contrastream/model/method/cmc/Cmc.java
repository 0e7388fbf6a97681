package io.contrastream.model.method.cmc;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.contrastream.model.augment.audio.LogMelView;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.encoder.Encoders;
import io.contrastream.model.loss.CmcLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.CrossModalRecipe;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.optim.OptimizerParams;
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
 * Cmc cmc = new Cmc(Cmc.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));   // intensity | Sobel
 * StepResult s = cmc.step(batch);             // batch: 1 augmented crop per record
 * float[][] h = cmc.embed(images, n);         // N x (V · 128): the views' h concatenated, as the paper evaluates
 *
 * Cmc av = new Cmc(Cmc.SPEC.defaults().set(RecipeParams.CMC_VIEWS, "intensity,audio"), enc);
 * av.step(pairs);                             // pairs: view 0 the image crop, view 1 LogMelView of the audio
 * float[][] za = av.projectAudio(mels, n);    // N x 128 in the space shared with projectImages
 * }</pre>
 *
 * <p>Views ({@code cmc-views}): {@code auto} takes intensity and Sobel edge magnitude for gray input
 * and L and ab of CIE Lab for RGB input; any list of two or more of intensity, sobel, l, ab works
 * (e.g. {@code l,ab,sobel} for three views). {@code cmc-graph} chooses the full graph or the core
 * view (view 0 against the rest).
 *
 * <p>Cross-modal ({@code audio} as the last view, e.g. {@code intensity,audio} or {@code l,ab,audio}):
 * the records carry an utterance beside the image, and the audio view is its {@link LogMelView}
 * (1 x 32 x 32), built outside the recipe from (seed, record id, 1) like an image view and passed as
 * the batch's view 1; it gets its own encoder (the image encoder's arch, 1 channel, side 32) and
 * linear head. {@link #embed} then gives the image views' h only, so image-only input is embedded
 * and evaluated as before; {@link #projectImages} and {@link #projectAudio} map both modalities into
 * the loss's shared space (cross-modal retrieval).
 */
public final class Cmc extends AbstractRecipe implements CrossModalRecipe {
    /** Tian et al. 2019; with the audio view the records carry audio (modality IMAGE_AUDIO). */
    public static final MethodSpec SPEC = MethodSpec.builder("cmc", Cmc::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR,
                    List.of(RecipeParams.TEMPERATURE, RecipeParams.CMC_VIEWS, RecipeParams.CMC_GRAPH))
            // Tian et al. 2019: tau 0.07, linear 128-d head per view, SGD momentum 0.9, wd 1e-4
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.07).set(RecipeParams.PROJ_LAYERS, 1)
                    .set(RecipeParams.PROJ_BN, false).set(RecipeParams.PROJ_DIM, 128)
                    .set(OptimizerParams.WEIGHT_DECAY, 1e-4).set(RecipeParams.CMC_VIEWS, "auto")
                    .set(RecipeParams.CMC_GRAPH, "full"))
            // one crop, split into the views by the recipe
            .augmentation((p, enc) -> Augmentations.cmc(enc.inputSize()))
            // one crop split into its views, plus the audio view when selected
            .viewCount(p -> hasAudio(p) ? 2 : 1)
            .audioView(p -> hasAudio(p) ? 1 : -1)
            .build();

    public static final String AUDIO = "audio";
    private final EncoderConfig input;
    private final List<String> views;
    private final List<Block> encoders = new ArrayList<>();
    private final List<Block> heads = new ArrayList<>();
    private final CmcLoss loss;

    public Cmc(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public Cmc(Params params, EncoderConfig enc, Device device) {
        super(SPEC, params, enc.withInChannels(CmcViews.channels(views(params, enc).get(0))), device);
        this.input = enc;
        this.views = views(params, enc);
        encoders.add(encoder);
        for (int v = 1; v < views.size(); v++) {
            EncoderConfig ev = encoderOf(views.get(v), enc);
            Block e = Encoders.build(ev);
            register(e, new Shape(2, ev.inChannels(), ev.inputSize(), ev.inputSize()));
            encoders.add(e);
        }
        for (int v = 0; v < views.size(); v++) {
            int in = encoderOf(views.get(v), enc).outDim();
            Block head = projector(in);
            register(head, new Shape(2, in));
            heads.add(head);
        }
        CmcLoss.Graph graph = CmcLoss.Graph.valueOf(params.get(RecipeParams.CMC_GRAPH).toUpperCase(Locale.ROOT));
        this.loss = new CmcLoss(params.get(RecipeParams.TEMPERATURE).floatValue(), graph);
        initOptimizer();
    }

    /** The encoder of a view: the image encoder on the view's channels, or for audio its arch on 1 x 32 x 32. */
    static EncoderConfig encoderOf(String view, EncoderConfig enc) {
        return view.equals(AUDIO) ? EncoderConfig.preset(enc.arch(), 1, LogMelView.SIZE)
                : enc.withInChannels(CmcViews.channels(view));
    }

    /** Whether {@code cmc-views} selects the audio view (the records then carry audio: 2 views per record). */
    public static boolean hasAudio(Params params) {
        return List.of(params.get(RecipeParams.CMC_VIEWS).split(",")).contains(AUDIO);
    }

    /** The views {@code cmc-views} selects for inputs of {@code enc}'s channels. */
    public static List<String> views(Params params, EncoderConfig enc) {
        String s = params.get(RecipeParams.CMC_VIEWS);
        List<String> v = s.equals("auto")
                ? (enc.inChannels() == 3 ? List.of("l", "ab") : List.of("intensity", "sobel"))
                : List.of(s.split(","));
        if (v.contains(AUDIO) && v.indexOf(AUDIO) != v.size() - 1) {
            throw new IllegalArgumentException("cmc-views " + s + ": put audio last, after the image views"
                    + " (e.g. intensity,audio or l,ab,audio)");
        }
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

    public boolean hasAudio() {
        return views.contains(AUDIO);
    }

    /** Image views: every view but audio. */
    private int imageViews() {
        return hasAudio() ? views.size() - 1 : views.size();
    }

    /** The batch's view 1 when the audio view is selected, else -1 (as the spec says). */
    @Override
    public int audioView() {
        return spec.audioView(params);
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        List<NDArray> z = new ArrayList<>(views.size());
        for (int v = 0; v < views.size(); v++) {
            NDArray x = views.get(v).equals(AUDIO) ? audio(sm, batch) // x: N x 1 x 32 x 32
                    : view(sm, v, batch.views().get(0), batch.size()); // x: N x C_v x H x W
            z.add(forward(heads.get(v), sm, forward(encoders.get(v), sm, x, true), true)); // z_v: N x dim
        }
        return loss.compute(z);
    }

    private static NDArray audio(NDManager sm, ViewBatch batch) {
        int[] s = batch.shape(1);
        if (s[0] != LogMelView.SHAPE[0] || s[1] != LogMelView.SIZE || s[2] != LogMelView.SIZE) {
            throw new IllegalArgumentException("CMC's audio view must be 1 x " + LogMelView.SIZE + " x "
                    + LogMelView.SIZE + " (LogMelView), got " + java.util.Arrays.toString(s));
        }
        return batch.view(sm, 1); // N x 1 x 32 x 32
    }

    @Override
    public float[][] projectImages(float[] images, int n) {
        try (NDManager sm = manager.newSubManager()) {
            NDArray z = noGrad(() -> forward(heads.get(0), sm,
                    forward(encoders.get(0), sm, view(sm, 0, images, n), false), false)); // z: N x dim
            return rows(z.normalize(2, 1, 1e-12)); // N x dim, unit rows
        }
    }

    @Override
    public float[][] projectAudio(float[] audioViews, int n) {
        if (!hasAudio()) {
            throw new IllegalStateException("this CMC has no audio view: train with --set cmc-views=intensity,audio");
        }
        int a = views.size() - 1;
        try (NDManager sm = manager.newSubManager()) {
            NDArray x = sm.create(audioViews, new Shape(n, 1, LogMelView.SIZE, LogMelView.SIZE)); // N x 1 x 32 x 32
            NDArray z = noGrad(() -> forward(heads.get(a), sm, forward(encoders.get(a), sm, x, false), false)); // N x dim
            return rows(z.normalize(2, 1, 1e-12)); // N x dim, unit rows
        }
    }

    private NDArray view(NDManager sm, int v, float[] images, int n) {
        int size = input.inputSize();
        float[] x = CmcViews.compute(views.get(v), images, n, input.inChannels(), size, size);
        return sm.create(x, new Shape(n, CmcViews.channels(views.get(v)), size, size));
    }

    /** h of every image view's encoder, concatenated: N x (V · D) (the audio view is not an image's). */
    @Override
    public float[][] embed(float[] images, int n) {
        try (NDManager sm = manager.newSubManager()) {
            NDList hs = new NDList();
            for (int v = 0; v < imageViews(); v++) {
                int view = v;
                hs.add(noGrad(() -> forward(encoders.get(view), sm, view(sm, view, images, n), false))); // N x D
            }
            return rows(NDArrays.concat(hs, 1)); // h: N x (V · D)
        }
    }

    /** Every view's encoder (audio's included), in view order. */
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
