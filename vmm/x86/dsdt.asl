/*
 * SPDX-License-Identifier: GPL-2.0
 * Vireo's DSDT. \_S5 gives power-off: the FADT (acpi.c) points PM1a_CNT at
 * port 0x604, and SLP_TYP=5 with SLP_EN there ends the VM (pm.c,
 * PM_S5_TYP). Eight virtio-mmio slots (Linux binds "LNRO0005"): 4 KiB
 * windows from 0xd0001000 with IRQs 5, 6, 7, 10, 11, 12, 14, 15, matching
 * vm.c; a slot is present when its bit is set in the byte the VMM serves at
 * I/O port 0x510 (VIRTIO_SLOTS_PORT). PCI0 is the PCI host bridge (pci.c):
 * bus 0 through configuration mechanism #1 at 0xcf8, BARs in the windows
 * its _CRS gives, which pci.h (PCI_MMIO_*, PCI_IO_*) matches; _PRT routes
 * INTA# of PCI devices 1-8 to the same IRQs as the slots.
 *
 * Interrupt numbers: in the PIC model an IRQ is the 8259 input; in the APIC
 * model (--cpus > 1: the MADT lists an I/O APIC) it is the GSI, the I/O
 * APIC pin of the same number, so one description serves both. Every
 * virtio interrupt is level-triggered active-low, as PCI INTx are (a _PRT
 * entry with a GSI has those flags implicitly), and the MADT's interrupt
 * source overrides (acpi.c) declare the same for these ISA IRQs.
 */
DefinitionBlock ("", "DSDT", 2, "VIREO ", "VIREODSD", 1)
{
	Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })

	/*
	 * The OS reports its interrupt model (0 PIC, 1 APIC); the routing
	 * below is the same in both.
	 */
	Method (\_PIC, 1, NotSerialized) { }

	Scope (\_SB)
	{
		Device (PCI0)
		{
			Name (_HID, EisaId ("PNP0A03"))
			Name (_UID, 0)
			Name (_SEG, 0)
			Name (_BBN, 0)
			Name (_CRS, ResourceTemplate ()
			{
				WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
					0x0000, 0x0000, 0x0000, 0x0000, 0x0001)
				IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
				WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
					0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
				WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
					0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
				DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
					NonCacheable, ReadWrite,
					0x00000000, 0xE0000000, 0xEFFFFFFF, 0x00000000, 0x10000000)
			})

			/*
			 * INTA# of device n (1..8, the virtio devices of
			 * --virtio pci) on PIC input n-1 of the virtio-mmio
			 * list above; INTB-D# are not used.
			 */
			Name (_PRT, Package ()
			{
				Package () { 0x0001FFFF, 0, Zero, 5 },
				Package () { 0x0002FFFF, 0, Zero, 6 },
				Package () { 0x0003FFFF, 0, Zero, 7 },
				Package () { 0x0004FFFF, 0, Zero, 10 },
				Package () { 0x0005FFFF, 0, Zero, 11 },
				Package () { 0x0006FFFF, 0, Zero, 12 },
				Package () { 0x0007FFFF, 0, Zero, 14 },
				Package () { 0x0008FFFF, 0, Zero, 15 },
			})
		}

		OperationRegion (VIRP, SystemIO, 0x0510, 0x01)
		Field (VIRP, ByteAcc, NoLock, Preserve) { VPRS, 8 }

		Device (VR00)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 0)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x01) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xD0001000, 0x00001000)
				Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) { 5 }
			})
		}

		Device (VR01)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 1)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x02) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xD0002000, 0x00001000)
				Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) { 6 }
			})
		}

		Device (VR02)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 2)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x04) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xD0003000, 0x00001000)
				Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) { 7 }
			})
		}

		Device (VR03)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 3)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x08) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xD0004000, 0x00001000)
				Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) { 10 }
			})
		}

		Device (VR04)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 4)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x10) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xD0005000, 0x00001000)
				Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) { 11 }
			})
		}

		Device (VR05)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 5)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x20) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xD0006000, 0x00001000)
				Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) { 12 }
			})
		}

		Device (VR06)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 6)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x40) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xD0007000, 0x00001000)
				Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) { 14 }
			})
		}

		Device (VR07)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 7)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x80) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xD0008000, 0x00001000)
				Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) { 15 }
			})
		}
	}
}
