-- AlterTable
ALTER TABLE "Survey" ADD COLUMN "checklist" TEXT;
