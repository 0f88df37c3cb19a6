// Public surface of the photo-quality library for the upload route and the tRPC layer.
export { assessPhoto, type AssessOptions } from "./assess-photo";
export { loadQualityModel, ModelIntegrityError, type QualityModel } from "./load-quality-model";
export { makeThumbnails, THUMBNAIL_SIZES, type Thumbnail } from "./make-thumbnails";
export { DEFECT_CODES, type DefectCode } from "./model-manifest";
export {
  PhotoAssessmentSchema,
  QualityReasonSchema,
  type PhotoAssessment,
  type QualityReason,
} from "./photo-assessment";
export { PhotoMetadataSchema, readPhotoMetadata, type PhotoMetadata } from "./read-photo-metadata";
export { ImageUploadError, type UploadErrorCode } from "../uploads/upload-error";
export { validateImage, UPLOAD_LIMITS, type ValidatedImage } from "../uploads/validate-image";
