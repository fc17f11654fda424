"""The KAP session companion: sessions ahead, the preparation checklist, the
intention loop, the check the morning after a dose, and the dosing day."""
