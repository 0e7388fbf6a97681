package io.contrastream.model.method;

import ai.djl.Device;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.param.Param;
import io.contrastream.model.param.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * One method described once: its name, its own parameters and their defaults, its modality, its
 * views and their augmentations, the settings refused together, and its factory. Each recipe class
 * holds its spec ({@code SPEC}) and takes its name from it; {@link Recipes} lists them.
 *
 * <pre>{@code
 * static final MethodSpec SPEC = MethodSpec.builder("moco-v2", (p, enc, device) -> new MoCo(true, p, enc, device))
 *         .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, RecipeParams.QUEUE, List.of(RecipeParams.TEMPERATURE))
 *         .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.2))
 *         .augmentation((p, enc) -> Augmentations.mocoV2(enc.inputSize(), enc.inChannels() == 1))
 *         .build();
 * Params p = SPEC.defaults().set("queue-size", "8192");   // "prototypes" would be refused: not moco-v2's
 * int views = SPEC.viewCount(p);                          // 2
 * }</pre>
 */
public final class MethodSpec {
    /** What a method's records carry for training: images, audio, or both (CMC's audio view). */
    public enum Modality { IMAGE, AUDIO, IMAGE_AUDIO }

    /** Builds the method's recipe; {@code enc} is the image encoder (unused by an audio method). */
    @FunctionalInterface
    public interface Factory {
        RecipeBase<?> create(Params params, EncoderConfig enc, Device device);
    }

    private final String name;
    private final List<Param<?>> params;
    private final Consumer<Params> defaults;
    private final Factory factory;
    private final boolean audio;
    private final BiFunction<Params, EncoderConfig, ImageTransform> augmentation;
    private final BiFunction<Params, EncoderConfig, List<ImageTransform>> globalViews;
    private final boolean multiCrop;
    private final double multiCropSplit;
    private final BiFunction<Params, EncoderConfig, ImageTransform> localView;
    private final ToIntFunction<Params> viewCount;
    private final ToIntFunction<Params> audioView;
    private final BiConsumer<Params, EncoderConfig> checks;

    private MethodSpec(Builder b) {
        this.name = b.name;
        this.params = List.copyOf(b.params);
        this.defaults = b.defaults;
        this.factory = b.factory;
        this.audio = b.audio;
        this.augmentation = b.augmentation;
        this.globalViews = b.globalViews != null ? b.globalViews : (p, enc) -> List.of(augmentation(p, enc));
        this.multiCrop = b.multiCrop;
        this.multiCropSplit = b.multiCropSplit;
        this.localView = b.localView;
        this.viewCount = b.viewCount != null ? b.viewCount : p -> 2 + localCrops(p);
        this.audioView = b.audioView;
        this.checks = b.checks;
        if (!audio && augmentation == null) {
            throw new IllegalStateException(name + ": an image method needs its augmentation");
        }
        defaults(); // a default that fails its own validator fails here, when the registry loads
    }

    public static Builder builder(String name, Factory factory) {
        return new Builder(name, factory);
    }

    public String name() {
        return name;
    }

    /** The method's parameters: exactly the keys it reads. */
    public List<Param<?>> params() {
        return params;
    }

    public boolean declares(String key) {
        return params.stream().anyMatch(p -> p.name().equals(key));
    }

    /** A fresh set of the method's parameters at its defaults; any other key is refused. */
    public Params defaults() {
        Params p = new Params(name, params);
        defaults.accept(p);
        return p;
    }

    /** What the records carry for training with these parameters. */
    public Modality modality(Params p) {
        return audio ? Modality.AUDIO : audioView(p) >= 0 ? Modality.IMAGE_AUDIO : Modality.IMAGE;
    }

    /** Index of the view built from the record's audio, -1 for none. */
    public int audioView(Params p) {
        return audioView.applyAsInt(p);
    }

    /** Views per record a training step takes. */
    public int viewCount(Params p) {
        requireImage();
        return viewCount.applyAsInt(p);
    }

    /** Small crops per record besides the 2 large ones: {@code local-crops} for a multi-crop method, else 0. */
    public int localCrops(Params p) {
        return multiCrop ? p.get(RecipeParams.LOCAL_CROPS) : 0;
    }

    /** The augmentation pipeline the method's paper defines, for the encoder's input. */
    public ImageTransform augmentation(Params p, EncoderConfig enc) {
        requireImage();
        return augmentation.apply(p, enc);
    }

    /** The pipelines of view 0, 1, ...: the global views, then multi-crop's small crops. */
    public List<ImageTransform> viewAugmentations(Params p, EncoderConfig enc) {
        requireImage();
        List<ImageTransform> global = globalViews.apply(p, enc);
        int local = localCrops(p);
        if (local == 0) {
            return global;
        }
        // multi-crop: large crops of scale [s, 1] and small ones of [0.05, s]
        int size = p.get(RecipeParams.LOCAL_CROP_SIZE);
        List<ImageTransform> out = new ArrayList<>();
        for (int v = 0; v < 2; v++) {
            out.add(Augmentations.withCrop(global.get(Math.min(v, global.size() - 1)), enc.inputSize(), multiCropSplit,
                    1.0));
        }
        ImageTransform small = localView != null ? localView.apply(p, enc) : global.get(0);
        for (int v = 0; v < local; v++) {
            out.add(Augmentations.withCrop(small, size, 0.05, multiCropSplit));
        }
        return out;
    }

    /**
     * Refuses settings that are wrong only together (each fix named), without building the networks:
     * multi-crop's small crops on a ViT must be whole patches, plus the method's own checks.
     */
    public void check(Params p, EncoderConfig enc) {
        int local = localCrops(p);
        if (local > 0 && enc.vit() != null) {
            int size = p.get(RecipeParams.LOCAL_CROP_SIZE);
            int patch = enc.vit().patch();
            if (size % patch != 0) {
                throw new IllegalArgumentException("local-crop-size " + size + " is not a multiple of the ViT patch "
                        + patch + ": set local-crop-size=" + Math.max(patch, size / patch * patch) + " or local-crops=0");
            }
        }
        checks.accept(p, enc);
    }

    /** The method's recipe; the parameters must be this method's ({@link #defaults()} with overrides). */
    public RecipeBase<?> create(Params p, EncoderConfig enc, Device device) {
        if (!name.equals(p.owner())) {
            throw new IllegalArgumentException("parameters of " + (p.owner() == null ? "no method" : p.owner())
                    + " cannot configure " + name + ": start from its defaults");
        }
        return factory.create(p, enc, device);
    }

    private void requireImage() {
        if (audio) {
            throw new UnsupportedOperationException(name + " trains on audio windows: it has no image views");
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /** Collects a spec's parts; unset ones take the common case (2 views of one pipeline, no audio). */
    public static final class Builder {
        private final String name;
        private final Factory factory;
        private final List<Param<?>> params = new ArrayList<>();
        private Consumer<Params> defaults = p -> {};
        private boolean audio;
        private BiFunction<Params, EncoderConfig, ImageTransform> augmentation;
        private BiFunction<Params, EncoderConfig, List<ImageTransform>> globalViews;
        private boolean multiCrop;
        private double multiCropSplit;
        private BiFunction<Params, EncoderConfig, ImageTransform> localView;
        private ToIntFunction<Params> viewCount;
        private ToIntFunction<Params> audioView = p -> -1;
        private BiConsumer<Params, EncoderConfig> checks = (p, enc) -> {};

        private Builder(String name, Factory factory) {
            this.name = name;
            this.factory = factory;
        }

        /** The method's parameters: shared groups and its own keys, in order. */
        @SafeVarargs
        public final Builder params(List<? extends Param<?>>... groups) {
            for (List<? extends Param<?>> g : groups) {
                params.addAll(g);
            }
            return this;
        }

        /** Sets the method's values over the declarations' defaults. */
        public Builder defaults(Consumer<Params> values) {
            this.defaults = values;
            return this;
        }

        /** The method trains on audio windows, not image views. */
        public Builder audio() {
            this.audio = true;
            return this;
        }

        public Builder augmentation(BiFunction<Params, EncoderConfig, ImageTransform> pipeline) {
            this.augmentation = pipeline;
            return this;
        }

        /** One pipeline per global view where the paper's views differ (else the augmentation for each). */
        public Builder globalViews(BiFunction<Params, EncoderConfig, List<ImageTransform>> pipelines) {
            this.globalViews = pipelines;
            return this;
        }

        /**
         * Multi-crop: {@code local-crops} small crops of scale [0.05, split] from the first global
         * view's pipeline, the 2 global crops of [split, 1].
         */
        public Builder multiCrop(double split) {
            this.multiCrop = true;
            this.multiCropSplit = split;
            return this;
        }

        /** Multi-crop with a pipeline of the small crops' own. */
        public Builder multiCrop(double split, BiFunction<Params, EncoderConfig, ImageTransform> small) {
            this.localView = small;
            return multiCrop(split);
        }

        /** Views per record, where not 2 + local crops. */
        public Builder viewCount(ToIntFunction<Params> views) {
            this.viewCount = views;
            return this;
        }

        /** Index of the view built from the record's audio (-1: none). */
        public Builder audioView(ToIntFunction<Params> index) {
            this.audioView = index;
            return this;
        }

        /** Settings of the method wrong only together; throw IllegalArgumentException naming the fix. */
        public Builder checks(BiConsumer<Params, EncoderConfig> check) {
            this.checks = check;
            return this;
        }

        public MethodSpec build() {
            return new MethodSpec(this);
        }
    }
}
