package io.contrastream.model.augment.image;

import java.util.ArrayList;
import java.util.List;

/**
 * The augmentation pipelines of the contrastive-learning papers, as their authors define them.
 *
 * <pre>{@code
 * ImageTransform aug = Augmentations.mocoV2(28, true);      // 28x28 gray Fashion-MNIST
 * ViewGenerator views = new ViewGenerator(aug, 42L);
 * }</pre>
 *
 * <p>Recipes (torchvision names; every crop uses aspect ratios [3/4, 4/3]):
 * <ul>
 *   <li>{@link #mocoV1}: He et al. 2020, "Momentum Contrast for Unsupervised Visual Representation
 *       Learning", arXiv:1911.05722 - RandomResizedCrop(scale 0.2-1), ColorJitter(0.4, 0.4, 0.4, 0.4),
 *       RandomGrayscale(0.2), HorizontalFlip(0.5).
 *   <li>{@link #mocoV2}: Chen et al. 2020, "Improved Baselines with Momentum Contrastive Learning",
 *       arXiv:2003.04297 - RandomResizedCrop(0.2-1), ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8,
 *       RandomGrayscale(0.2), GaussianBlur(p 0.5, sigma 0.1-2.0), HorizontalFlip(0.5).
 *   <li>{@link #simclr}: Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual
 *       Representations", arXiv:2002.05709, appendix A - RandomResizedCrop(0.08-1), HorizontalFlip(0.5),
 *       ColorJitter(0.8s, 0.8s, 0.8s, 0.2s) with p 0.8, RandomGrayscale(0.2), GaussianBlur(p 0.5,
 *       sigma 0.1-2.0).
 *   <li>{@link #invaspread}: Ye et al. CVPR 2019, "Unsupervised Embedding Learning via Invariant and
 *       Spreading Instance Feature", arXiv:1904.03436 - the paper lists random resized crop, random
 *       grayscale, colour jitter and horizontal flip; the authors' code uses RandomResizedCrop(0.2-1),
 *       ColorJitter(0.4, 0.4, 0.4, 0.4), RandomGrayscale(0.2), HorizontalFlip(0.5) in that order, i.e.
 *       the same pipeline as MoCo v1 (both inherit it from Wu et al. 2018).
 *   <li>{@link #byolView}: Grill et al. 2020, "Bootstrap Your Own Latent", arXiv:2006.07733, table 6 -
 *       RandomResizedCrop(0.08-1), HorizontalFlip(0.5), ColorJitter(0.4, 0.4, 0.2, 0.1) with p 0.8,
 *       RandomGrayscale(0.2), GaussianBlur(sigma 0.1-2.0) with p 1.0 / 0.1 and Solarize(threshold 0.5)
 *       with p 0 / 0.2 for the first / second view. {@link #byol} is the one-pipeline form a recipe
 *       uses (see there).
 * </ul>
 *
 * <p>Gray and small inputs (e.g. 28x28 Fashion-MNIST). With {@code gray = true} the RGB-only steps
 * are left out: no RandomGrayscale and zero saturation/hue jitter. This gives exactly the same
 * distribution of outputs on 1-channel images as the full recipe (where those steps are no-ops) and
 * saves work; it does change which random numbers are drawn, so views differ from the
 * {@code gray = false} pipeline applied to the same gray image. The papers' recipes target 224x224
 * ImageNet (SimCLR also 32x32 CIFAR-10, where it drops the blur); here the blur is kept as specified
 * and its kernel follows the 10% rule, which gives a 3x3 kernel at 28x28, so large sigmas act close
 * to a 3x3 box filter. Crops are resized bilinearly without anti-aliasing, and the SimCLR minimum
 * scale 0.08 yields crops of about 8x8 pixels on a 28x28 image.
 */
public final class Augmentations {
    private static final double BLUR_SIGMA_MIN = 0.1;
    private static final double BLUR_SIGMA_MAX = 2.0;

    private Augmentations() {
    }

    /** MoCo v1 for RGB (or mixed) input of any size, output {@code size x size}. */
    public static ImageTransform mocoV1(int size) {
        return mocoV1(size, false);
    }

    /** MoCo v1; {@code gray} leaves out the RGB-only steps (see the class notes). */
    public static ImageTransform mocoV1(int size, boolean gray) {
        List<ImageTransform> steps = new ArrayList<>();
        steps.add(new RandomResizedCrop(size, 0.2, 1.0));
        steps.add(jitter(0.4, 0.4, 0.4, 0.4, 1.0, gray));
        if (!gray) {
            steps.add(new RandomGrayscale(0.2));
        }
        steps.add(new HorizontalFlip(0.5));
        return new Compose(steps);
    }

    /** MoCo v2 for RGB (or mixed) input of any size, output {@code size x size}. */
    public static ImageTransform mocoV2(int size) {
        return mocoV2(size, false);
    }

    /** MoCo v2; {@code gray} leaves out the RGB-only steps (see the class notes). */
    public static ImageTransform mocoV2(int size, boolean gray) {
        List<ImageTransform> steps = new ArrayList<>();
        steps.add(new RandomResizedCrop(size, 0.2, 1.0));
        steps.add(jitter(0.4, 0.4, 0.4, 0.1, 0.8, gray));
        if (!gray) {
            steps.add(new RandomGrayscale(0.2));
        }
        steps.add(new GaussianBlur(0.5, BLUR_SIGMA_MIN, BLUR_SIGMA_MAX));
        steps.add(new HorizontalFlip(0.5));
        return new Compose(steps);
    }

    /** SimCLR with colour strength {@code s} (1.0 for ImageNet, 0.5 for CIFAR-10 in the paper). */
    public static ImageTransform simclr(int size, double s) {
        return simclr(size, s, false);
    }

    /** SimCLR; {@code gray} leaves out the RGB-only steps (see the class notes). */
    public static ImageTransform simclr(int size, double s, boolean gray) {
        if (!(s >= 0.0 && s <= 2.5)) {
            throw new IllegalArgumentException("SimCLR colour strength s must be in [0, 2.5] (hue 0.2s <= 0.5), got " + s);
        }
        List<ImageTransform> steps = new ArrayList<>();
        steps.add(new RandomResizedCrop(size, 0.08, 1.0));
        steps.add(new HorizontalFlip(0.5));
        steps.add(jitter(0.8 * s, 0.8 * s, 0.8 * s, 0.2 * s, 0.8, gray));
        if (!gray) {
            steps.add(new RandomGrayscale(0.2));
        }
        steps.add(new GaussianBlur(0.5, BLUR_SIGMA_MIN, BLUR_SIGMA_MAX));
        return new Compose(steps);
    }

    /** Invariant and Spreading Instance Feature (Ye et al. 2019) for RGB input. */
    public static ImageTransform invaspread(int size) {
        return invaspread(size, false);
    }

    /** Invariant and Spreading (Ye et al. 2019): the same steps as {@link #mocoV1(int, boolean)}. */
    public static ImageTransform invaspread(int size, boolean gray) {
        return mocoV1(size, gray);
    }

    /**
     * BYOL's asymmetric pipeline for view 0 (blur p 1.0, no solarize) or view 1 (blur p 0.1, solarize
     * p 0.2); {@code gray} leaves out the RGB-only steps.
     */
    public static ImageTransform byolView(int size, boolean gray, int view) {
        return switch (view) {
            case 0 -> byol(size, gray, 1.0, 0.0);
            case 1 -> byol(size, gray, 0.1, 0.2);
            default -> throw new IllegalArgumentException("BYOL defines views 0 and 1, got view " + view);
        };
    }

    /** DINO's small crops: BYOL's steps with blur p 0.5 and no solarize (Caron et al. 2021, appendix). */
    public static ImageTransform dinoLocal(int size, boolean gray) {
        return byol(size, gray, 0.5, 0.0);
    }

    /**
     * BYOL as one pipeline for both views: a recipe's augmentation is one transform applied to every
     * view (the view index only seeds the random stream), so the two views' blur and solarize
     * probabilities are averaged (blur 0.55, solarize 0.1) and every view draws them independently.
     * The other steps are the paper's; the asymmetry itself is what this form gives up.
     */
    public static ImageTransform byol(int size, boolean gray) {
        return byol(size, gray, 0.55, 0.1);
    }

    private static ImageTransform byol(int size, boolean gray, double blurP, double solarizeP) {
        List<ImageTransform> steps = new ArrayList<>();
        steps.add(new RandomResizedCrop(size, 0.08, 1.0));
        steps.add(new HorizontalFlip(0.5));
        steps.add(jitter(0.4, 0.4, 0.2, 0.1, 0.8, gray));
        if (!gray) {
            steps.add(new RandomGrayscale(0.2));
        }
        steps.add(new GaussianBlur(blurP, BLUR_SIGMA_MIN, BLUR_SIGMA_MAX));
        if (solarizeP > 0) {
            steps.add(new Solarize(solarizeP, 0.5f));
        }
        return new Compose(steps);
    }

    /**
     * The same pipeline with its random resized crop replaced by one of side {@code size} and area
     * scale [{@code minScale}, {@code maxScale}]: multi-crop's large and small crops (Caron et al.
     * 2020, sec. 3.2) keep every other step of the method's augmentation.
     *
     * @throws IllegalArgumentException if the pipeline is not a {@link Compose} holding a
     *     {@link RandomResizedCrop}
     */
    public static ImageTransform withCrop(ImageTransform pipeline, int size, double minScale, double maxScale) {
        if (pipeline instanceof Compose c) {
            List<ImageTransform> steps = new ArrayList<>(c.steps());
            for (int i = 0; i < steps.size(); i++) {
                if (steps.get(i) instanceof RandomResizedCrop) {
                    steps.set(i, new RandomResizedCrop(size, minScale, maxScale));
                    return new Compose(steps);
                }
            }
        }
        throw new IllegalArgumentException("multi-crop needs a pipeline with a RandomResizedCrop step, got " + pipeline);
    }

    /**
     * CMC (Tian et al. 2019): random resized crop (scale 0.2–1) and horizontal flip only; colour is
     * left alone because the views themselves are colour channels (L vs ab) or intensity vs edges.
     */
    public static ImageTransform cmc(int size) {
        return new Compose(List.of(new RandomResizedCrop(size, 0.2, 1.0), new HorizontalFlip(0.5)));
    }

    private static ColorJitter jitter(double b, double c, double s, double h, double p, boolean gray) {
        return gray ? new ColorJitter(b, c, 0.0, 0.0, p) : new ColorJitter(b, c, s, h, p);
    }
}
