-- AlterTable
ALTER TABLE "EvidencePackage" ADD COLUMN "errorCode" TEXT;
ALTER TABLE "EvidencePackage" ADD COLUMN "errorId" TEXT;
ALTER TABLE "EvidencePackage" ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "EvidencePackage" ADD COLUMN "nextAttemptAt" DATETIME;
