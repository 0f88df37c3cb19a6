-- The policyholder's identity number (optional), compared with the ID card read in the identity step.
ALTER TABLE "Claim" ADD COLUMN "policyholderIdNumber" TEXT;
