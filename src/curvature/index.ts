/** src/curvature: curvature of a model on a batch, directional slopes and curvatures, the bias study. */
export { problem, type Problem, type Batch } from './problem.ts';
export { loss, gradient, hessianVectorProduct, ggnVectorProduct, type ChunkOptions } from './products.ts';
export { curvatureOperator, hessianOperator, ggnOperator, denseMatrix, hessianMatrix, ggnMatrix, type CurvatureKind } from './operators.ts';
export { directionalSlope, directionalCurvature, newtonStep, overlapWeights } from './directional.ts';
export { projectQuadratic, projectWithProducts, evaluateProjected, projectedGrid, type ProjectedQuadratic } from './projected.ts';
export { biasStudy, partitionData, ritzConsistency, median, type BiasStudy, type BiasStudyOptions, type B1Run, type BiasSummary, type ErrorSummary, type Measured } from './bias.ts';
export { kfac, debiasKfac, debiasedKfac, kfacEigen, kfacOperator, type Kfac, type KfacBlock, type KfacOptions, type KfacType, type FactorEigen } from './kfac.ts';
export { kfacBiasStudy, type KfacBiasStudy, type KfacBiasOptions, type KfacBiasAtSize, type KfacBiasRun } from './kfac-bias.ts';
export { cgStudy, cgStepper, peakOf, type CgStepper, type CgStepperOptions, type CgStepLine, type CgPeak, type CgStudy, type CgStudyOptions, type CgStudyAtSize, type CgTrajectory, type CgMetrics, type CgMethod, type CgMethodSummary, type Band } from './cg-study.ts';
export { laplace, type Laplace, type LaplaceOptions } from './laplace.ts';
export { laplaceStudy, laplaceApproaches, bestPrecisionIndex, defaultPriorPrecisions, type LaplaceApproach, type LaplaceStudy, type LaplaceStudyOptions, type LaplaceRun, type PredictiveMetrics, type SetMetrics } from './laplace-study.ts';
export { eigenBias, biasOverTraining, biasOverModels, percentile, spread, type EigenBias, type EigenBiasOptions, type EigenBiasStudyOptions, type BiasOverTraining, type BiasOverModels, type EigenBiasRun, type FamilyMember, type Spread } from './eigen-bias.ts';
