package io.contrastream.model.method;

import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.byol.Byol;
import io.contrastream.model.method.dino.Dino;
import io.contrastream.model.method.invaspread.InvaSpread;
import io.contrastream.model.method.moco.MoCo;
import io.contrastream.model.method.moco.MoCoV3;
import io.contrastream.model.method.simclr.SimClr;
import io.contrastream.model.method.simclr.SimClrV2;
import io.contrastream.model.method.simsiam.SimSiam;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * Creates recipes by method name.
 *
 * <pre>{@code
 * Recipe r = Recipes.create("simclr", Recipes.defaults("simclr"), EncoderConfig.smallResNet(1, 28));
 * }</pre>
 */
public final class Recipes {
    public static final List<String> METHODS = List.of("instdisc", "invaspread", "moco-v1", "moco-v2", "simclr", "byol", "simsiam",
            "simclr-v2", "moco-v3", "dino", "swav", "cmc");

    private Recipes() {}

    public static Params defaults(String method) {
        return RecipeParams.defaults(method);
    }

    /**
     * The augmentation pipeline of a method as its paper defines it, for the encoder's input (the
     * same object {@code Recipe.augmentation()} returns, available without building the networks).
     */
    public static ImageTransform augmentation(String method, Params params, EncoderConfig enc) {
        int size = enc.inputSize();
        boolean gray = enc.inChannels() == 1;
        return switch (method) {
            case "instdisc" -> Augmentations.mocoV1(size, gray); // MoCo v1 took InstDisc's augmentation as it was
            case "invaspread" -> Augmentations.invaspread(size, gray);
            case "moco-v1" -> Augmentations.mocoV1(size, gray);
            case "moco-v2" -> Augmentations.mocoV2(size, gray);
            case "simclr", "simclr-v2" -> Augmentations.simclr(size, params.get(RecipeParams.AUG_STRENGTH), gray);
            case "byol" -> Augmentations.byol(size, gray); // the averaged single form; views: viewAugmentations
            case "simsiam" -> Augmentations.mocoV2(size, gray);
            case "moco-v3" -> Augmentations.byol(size, gray); // MoCo v3 adopts BYOL's augmentation
            case "dino" -> Augmentations.byol(size, gray); // DINO's global crops follow BYOL's pipeline
            case "swav" -> Augmentations.simclr(size, params.get(RecipeParams.AUG_STRENGTH), gray); // SwAV: SimCLR's
            case "cmc" -> Augmentations.cmc(size); // one crop, split into the views by the recipe
            default -> throw new IllegalArgumentException("unknown method '" + method + "': use one of " + METHODS);
        };
    }

    /**
     * The pipelines of view 0, 1, ...: BYOL's asymmetric pair for byol and the methods that adopt it
     * (moco-v3, dino: blur p 1.0 on view 0; blur p 0.1 and solarize p 0.2 on view 1), else
     * {@link #augmentation} for every view.
     */
    public static List<ImageTransform> viewAugmentations(String method, Params params, EncoderConfig enc) {
        List<ImageTransform> global = switch (method) {
            case "byol", "moco-v3", "dino" -> List.of(Augmentations.byolView(enc.inputSize(), enc.inChannels() == 1, 0),
                    Augmentations.byolView(enc.inputSize(), enc.inChannels() == 1, 1));
            default -> List.of(augmentation(method, params, enc));
        };
        int local = localCrops(method, params);
        if (local == 0) {
            return global;
        }
        // multi-crop: large crops of scale [s, 1] and small ones of [0.05, s]; s = 0.14 (SwAV) or 0.4 (DINO)
        double split = method.equals("swav") ? 0.14 : 0.4;
        int size = params.get(RecipeParams.LOCAL_CROP_SIZE);
        List<ImageTransform> out = new java.util.ArrayList<>();
        for (int v = 0; v < 2; v++) {
            out.add(Augmentations.withCrop(global.get(Math.min(v, global.size() - 1)), enc.inputSize(), split, 1.0));
        }
        ImageTransform small = method.equals("dino") ? Augmentations.dinoLocal(enc.inputSize(), enc.inChannels() == 1)
                : global.get(0);
        for (int v = 0; v < local; v++) {
            out.add(Augmentations.withCrop(small, size, 0.05, split));
        }
        return out;
    }

    /** Small crops per record: {@code local-crops} for SwAV and DINO (multi-crop), else 0. */
    public static int localCrops(String method, Params params) {
        return method.equals("swav") || method.equals("dino") ? params.get(RecipeParams.LOCAL_CROPS) : 0;
    }

    /**
     * Views per record a method's training step takes: 1 for CMC (one crop, split into its views by the
     * recipe; 2 with the audio view), 2 + {@code local-crops} for SwAV and DINO, else 2 (what {@code Recipe.viewsPerRecord()}
     * returns, without building the networks).
     */
    public static int viewCount(String method, Params params) {
        if (method.equals("cmc")) { // one crop split into its views, plus the audio view when selected
            return io.contrastream.model.method.cmc.Cmc.hasAudio(params) ? 2 : 1;
        }
        return 2 + localCrops(method, params);
    }

    /**
     * Refuses settings that are wrong only together (each fix named), without building the networks:
     * multi-crop's small crops on a ViT must be whole patches; SwAV's queue must hold a batch.
     */
    public static void checkSettings(String method, Params params, EncoderConfig enc) {
        int local = localCrops(method, params);
        int size = params.get(RecipeParams.LOCAL_CROP_SIZE);
        if (local > 0 && enc.vit() != null && size % enc.vit().patch() != 0) {
            throw new IllegalArgumentException("local-crop-size " + size + " is not a multiple of the ViT patch "
                    + enc.vit().patch() + ": set local-crop-size=" + Math.max(enc.vit().patch(),
                            size / enc.vit().patch() * enc.vit().patch()) + " or local-crops=0");
        }
        int q = params.get(RecipeParams.SWAV_QUEUE);
        if (method.equals("swav") && q > 0 && q < params.get(RecipeParams.BATCH)) {
            throw new IllegalArgumentException("swav-queue " + q + " must hold at least one view's batch of "
                    + params.get(RecipeParams.BATCH));
        }
    }

    public static AbstractRecipe create(String method, Params params, EncoderConfig enc) {
        return create(method, params, enc, null);
    }

    /** A recipe on the given device (null: DJL's default, a GPU when the engine sees one). */
    public static AbstractRecipe create(String method, Params params, EncoderConfig enc, ai.djl.Device device) {
        return switch (method) {
            case "instdisc" -> new io.contrastream.model.method.instdisc.InstDisc(params, enc, device);
            case "invaspread" -> new InvaSpread(params, enc, device);
            case "moco-v1" -> new MoCo(false, params, enc, device);
            case "moco-v2" -> new MoCo(true, params, enc, device);
            case "simclr" -> new SimClr(params, enc, device);
            case "byol" -> new Byol(params, enc, device);
            case "simsiam" -> new SimSiam(params, enc, device);
            case "simclr-v2" -> new SimClrV2(params, enc, device);
            case "moco-v3" -> new MoCoV3(params, enc, device); // use --encoder vit-tiny-frozen for the ViT
            case "dino" -> new Dino(params, enc, device); // use --encoder vit-tiny for the ViT
            case "swav" -> new io.contrastream.model.method.swav.SwAV(params, enc, device);
            case "cmc" -> new io.contrastream.model.method.cmc.Cmc(params, enc, device);
            default -> throw new IllegalArgumentException("unknown method '" + method + "': use one of " + METHODS);
        };
    }
}
