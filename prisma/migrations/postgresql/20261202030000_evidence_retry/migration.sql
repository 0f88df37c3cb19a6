-- AlterTable
ALTER TABLE "EvidencePackage" ADD COLUMN     "errorCode" TEXT,
ADD COLUMN     "errorId" TEXT,
ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "nextAttemptAt" TIMESTAMP(3);
