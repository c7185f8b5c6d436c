build/acpi.o: acpi.c acpi.h pm.h
acpi.h:
pm.h:
