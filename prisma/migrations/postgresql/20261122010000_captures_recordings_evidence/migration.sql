-- AlterTable
ALTER TABLE "Claim" ADD COLUMN     "policyEnd" TIMESTAMP(3),
ADD COLUMN     "policyStart" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Survey" ADD COLUMN     "recordingConsent" TEXT,
ADD COLUMN     "recordingConsentAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ChecklistTemplate" (
    "id" TEXT NOT NULL,
    "claimType" TEXT NOT NULL,
    "items" TEXT NOT NULL,
    "updatedById" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChecklistTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Capture" (
    "id" TEXT NOT NULL,
    "surveyId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "itemKey" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "mediaType" TEXT NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "storageKey" TEXT NOT NULL,
    "thumbSmallKey" TEXT NOT NULL,
    "thumbLargeKey" TEXT NOT NULL,
    "capturedAt" TIMESTAMP(3),
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "exif" TEXT NOT NULL DEFAULT '{}',
    "gpsLat" DOUBLE PRECISION,
    "gpsLon" DOUBLE PRECISION,
    "gpsAccuracy" DOUBLE PRECISION,
    "scores" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "reasons" TEXT NOT NULL DEFAULT '[]',
    "modelSha256" TEXT NOT NULL,
    "overrideById" TEXT,
    "overrideReason" TEXT,
    "overrideAt" TIMESTAMP(3),

    CONSTRAINT "Capture_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Recording" (
    "id" TEXT NOT NULL,
    "surveyId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "codec" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "byteSize" INTEGER,
    "sha256" TEXT,
    "continuity" TEXT NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'recording',

    CONSTRAINT "Recording_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvidencePackage" (
    "id" TEXT NOT NULL,
    "surveyId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'building',
    "stage" TEXT,
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "storagePath" TEXT,
    "zipPath" TEXT,
    "manifestSha256" TEXT,
    "error" TEXT,
    "destroyAfter" TIMESTAMP(3),
    "legalHold" BOOLEAN NOT NULL DEFAULT false,
    "disputeClosedAt" TIMESTAMP(3),
    "purgedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EvidencePackage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "details" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ChecklistTemplate_claimType_key" ON "ChecklistTemplate"("claimType");

-- CreateIndex
CREATE INDEX "Capture_surveyId_itemKey_idx" ON "Capture"("surveyId", "itemKey");

-- CreateIndex
CREATE UNIQUE INDEX "Capture_surveyId_idempotencyKey_key" ON "Capture"("surveyId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "Recording_surveyId_idx" ON "Recording"("surveyId");

-- CreateIndex
CREATE UNIQUE INDEX "EvidencePackage_surveyId_key" ON "EvidencePackage"("surveyId");

-- CreateIndex
CREATE INDEX "AuditLog_targetType_targetId_idx" ON "AuditLog"("targetType", "targetId");

-- CreateIndex
CREATE INDEX "AuditLog_userId_idx" ON "AuditLog"("userId");

-- AddForeignKey
ALTER TABLE "Capture" ADD CONSTRAINT "Capture_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvidencePackage" ADD CONSTRAINT "EvidencePackage_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

